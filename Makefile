# xen-spp: Intel SPP (sub-page write protection) for Xen, as a patch series.
#
#   make run      the main job: build the patched hypervisor and tools, boot
#                 them in the emulated SPP lab and drive SPP through them
#   make check    every test, ending with an "N passed, N failed" line
#   make bench    figures (SPPT memory per protected gfn; single against
#                 batched sets: EPT flushes and instructions per gfn)
#   make fuzz     xen-subpage's batch-file and map parsers under libFuzzer
#                 for FUZZ_TIME seconds (600; "make check" runs it for 20)
#   make patches  regenerate patches/ from the sources
#   make devtree  an editable git tree of the series; "make import" brings
#                 its commits back into the sources
include Config.mk
export XEN_VERSION XEN_DEB_VERSION XEN_ORIG XEN_SHA256
export SERIES_AUTHOR SERIES_DATE BUILD PYTHON

DEPS := bison flex gcc make git xz-utils python3 pkg-config quilt \
        libcmocka-dev libxen-dev libyajl-dev perl valgrind \
        acpica-tools uuid-dev zlib1g-dev libncurses-dev python3-dev \
        bochs bochsbios vgabios grub-pc-bin grub-common xorriso mtools lz4 \
        clang libclang-rt-14-dev checkpolicy m4

TARBALL  := $(BUILD)/$(XEN_ORIG)
BASE     := $(BUILD)/base.git
XEN_BASE := $(BUILD)/xen-base.gz
XEN_TREE := $(BUILD)/xen-default
DBG_TREE := $(BUILD)/xen-debug
SRC_TREE := $(BUILD)/src
DEVTREE  := $(BUILD)/devtree
TESTS    := $(wildcard tools/tests/*/Makefile)

.PHONY: all run deps source base patches check-patches check-apply devtree \
        import xen xen-base xen-debug bisect srctree bench tests \
        tools tools-intree lab-image boot-lab check fuzz clean

# The main job: the patched hypervisor and the tools, booted in the
# emulated SPP lab, which drives SPP through them.
all run: deps xen tools lab-image
	@echo "patched hypervisor: $(XEN_TREE)/xen/xen.gz"
	@echo "SPP calls for Debian's libxenctrl: tools/libxc/libxensubpage.so"
	@echo "dom0 tool: tools/misc/xen-subpage/xen-subpage" \
	      "(man ./docs/man/xen-subpage.8)"
	lab/run $(XEN_TREE)/xen/xen.gz $(LAB)

# What a dom0 with Debian's Xen 4.17 tools needs to use SPP.
tools: deps docs/man/xen-subpage.8
	$(MAKE) -C tools/libxc
	$(MAKE) -C tools/misc/xen-subpage

docs/man/%.8: docs/man/%.8.pod
	pod2man --section=8 --center=Xen --release=xen-spp \
	    --name=$$(echo $* | tr a-z- A-Z-) $< $@

deps:
	@missing=$$(for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

source: $(TARBALL)
$(TARBALL): Config.mk
	scripts/get-xen-source $(BUILD)

base: $(BASE)
$(BASE): $(TARBALL)
	rm -f $(XEN_BASE)
	scripts/mkbase $< $@

patches: $(BASE)
	scripts/mkseries $(BASE) patches

# The committed series must be what the sources generate.
check-patches: $(BASE)
	scripts/mkseries $(BASE) $(BUILD)/patches
	diff -ru patches $(BUILD)/patches || \
	    { echo "patches/ is stale: run 'make patches' and commit"; exit 1; }

# The series applies to the pristine tarball with git am and with quilt.
check-apply: $(TARBALL)
	scripts/check-apply $(TARBALL) patches

devtree: $(BASE)
	@[ ! -e $(DEVTREE) ] || \
	    { echo "$(DEVTREE) exists: import or remove it first"; exit 1; }
	git clone -q $(BASE) $(DEVTREE)
	git -C $(DEVTREE) am -q $(CURDIR)/patches/*.patch
	@echo "edit and commit in $(DEVTREE) (rebase -i for earlier patches)," \
	      "then: make import patches"

import:
	scripts/import-devtree $(DEVTREE)

xen: $(BASE)
	scripts/build-xen $(XEN_TREE) default

xen-debug: $(BASE)
	scripts/build-xen $(DBG_TREE) debug

# The unpatched hypervisor, for the lab's comparison: "bisect" leaves it
# behind when it starts from an unpatched tree; otherwise a tree of its own.
xen-base: $(BASE)
	@[ -f $(XEN_BASE) ] || { scripts/build-xen $(BUILD)/xen-base default \
	    base && cp $(BUILD)/xen-base/xen/xen.gz $(XEN_BASE); }

# Build the hypervisor after every patch: the series must stay bisectable.
# The default-config tree ends up fully built, so "xen" has nothing to redo;
# from a fresh tree the unpatched base is built first ($(XEN_BASE)).
bisect: $(BASE)
	scripts/build-xen $(XEN_TREE) default bisect

# The user-space tests compile hypervisor code from a patched source tree.
srctree: $(BASE)
	scripts/build-xen $(SRC_TREE) default apply

# Figures, not tests.
bench: deps srctree
	$(MAKE) -s -C tools/tests/spp bench XEN_ROOT=$(SRC_TREE)

tests: $(patsubst %/,test-%,$(dir $(TESTS)))

# The series' tool changes built in the patched tree: libxenctrl with the
# SPP calls, and a client program compiled against its headers.
INTREE_CONFIGURE := --disable-docs --disable-stubdom --disable-xen \
    --disable-qemu-traditional --disable-rombios --disable-seabios \
    --disable-ipxe --disable-ovmf --disable-ocamltools --disable-golang \
    --disable-pvshim --disable-pygrub --disable-monitors \
    --disable-xsmpolicy --with-system-qemu=/bin/false
INTREE_LIBS := toolcore toollog call foreignmemory devicemodel evtchn \
    gnttab hypfs ctrl guest
# Done again only when the series or the client changed (build-xen
# rewrites .xen-spp-applied only then): Xen's tools/ make alone takes 3 s.
tools-intree: deps srctree
	$(MAKE) --no-print-directory $(BUILD)/tools-intree.done

$(BUILD)/tools-intree.done: $(SRC_TREE)/.xen-spp-applied \
                            tools/tests/xc-subpage/client.c
	cd $(SRC_TREE) && { [ -f config/Tools.mk ] || \
	    ./configure $(INTREE_CONFIGURE) >$(BUILD)/configure.log 2>&1; }
	$(MAKE) -s -C $(SRC_TREE)/tools/include
	$(MAKE) -s -C $(SRC_TREE)/tools/libs $(INTREE_LIBS:%=subdir-all-%)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -I$(SRC_TREE)/tools/include \
	    -c -o $(BUILD)/client-intree.o tools/tests/xc-subpage/client.c
	nm -D --defined-only $(SRC_TREE)/tools/libs/ctrl/libxenctrl.so | \
	    grep -q ' T xc_set_subpage_batch@'
	touch $@

# The lab's dom0 image: Debian's kernel and an initramfs with the toolstack,
# our tools, the test guest and the scenarios (lab/mkimage).
LAB := $(BUILD)/lab
LAB_GUEST := $(LAB)/guest
# The series' libxenctrl and libxenguest, for "xl save" (LD_LIBRARY_PATH).
INTREE_LIB := $(SRC_TREE)/tools/libs
LAB_LIB := opt/xen-spp/lib
LAB_FILES := \
    tools/libxc/libxensubpage.so.1:lib/x86_64-linux-gnu/libxensubpage.so.1 \
    tools/misc/xen-subpage/xen-subpage:usr/sbin/xen-subpage \
    $(LAB_GUEST)/spp-guest-ctl:usr/sbin/spp-guest-ctl \
    $(LAB_GUEST)/spp-misuse:usr/sbin/spp-misuse \
    $(LAB_GUEST)/free-pages:usr/sbin/free-pages \
    $(LAB_GUEST)/p2m-ctl:usr/sbin/p2m-ctl \
    $(LAB_GUEST)/flush-race:usr/sbin/flush-race \
    $(INTREE_LIB)/ctrl/libxenctrl.so.4.17.0:$(LAB_LIB)/libxenctrl.so.4.17 \
    $(INTREE_LIB)/guest/libxenguest.so.4.17.0:$(LAB_LIB)/libxenguest.so.4.17 \
    $(LAB_GUEST)/spp-guest:lab/spp-guest \
    lab/guest/spp-guest.cfg:lab/spp-guest.cfg \
    $(LAB)/xenpolicy-no-subpage:lab/xenpolicy-no-subpage \
    lab/scenarios:lab/scenarios lab/init:init

lab-image: deps tools tools-intree
	@mkdir -p $(LAB_GUEST)
	$(MAKE) -s -C lab/guest O=$(LAB_GUEST)
	scripts/build-policy $(SRC_TREE) $(LAB)/xenpolicy lab/flask-engine.te
	scripts/build-policy --no-subpage $(SRC_TREE) $(LAB)/xenpolicy-no-subpage
	$(MAKE) --no-print-directory $(LAB)/initrd.cpio

LAB_INPUTS := $(foreach f,$(LAB_FILES),$(firstword $(subst :, ,$(f))))
$(LAB)/initrd.cpio: lab/mkimage lab/trim-p2m-limit lab/packages $(LAB_INPUTS) \
                   $(wildcard lab/linux-guest/*)
	lab/mkimage $(LAB) $(LAB_FILES)

# The lab as a test: every scenario of "make run" must pass, on the debug
# hypervisor too, and the unpatched hypervisor must boot as the patched one
# does on a CPU without SPP (lab/run).
boot-lab: deps xen xen-debug xen-base lab-image
	XEN_DEBUG=$(DBG_TREE)/xen/xen.gz XEN_BASE=$(XEN_BASE) \
	    lab/run $(XEN_TREE)/xen/xen.gz $(LAB)

check: deps
	@scripts/check-all check-patches check-apply bisect xen-debug \
	    $(patsubst %/,test-%,$(dir $(TESTS))) tools-intree boot-lab

test-tools/tests/%: srctree
	$(MAKE) -s -C tools/tests/$* check XEN_ROOT=$(SRC_TREE)

# Longer than check's run; what it finds is kept for the next run.
fuzz: deps
	$(MAKE) -s -C tools/tests/xen-subpage fuzz

clean:
	rm -rf $(BUILD)
