# xen-spp: the pinned base and the series' identity.
#
# The base is Debian bookworm's xen source package; its orig tarball is the
# pristine upstream tree the series applies to.

XEN_VERSION     := 4.17.5+72-g01140da4e8
XEN_DEB_VERSION := $(XEN_VERSION)-1
XEN_ORIG        := xen_$(XEN_VERSION).orig.tar.xz
XEN_SHA256      := 53922f4d0a02c577f2ea9d63f65989cd88715779eebeed879ca1d314103ee06e

# Fixed identity and date so that regenerating patches/ is reproducible.
SERIES_AUTHOR   := xen-spp maintainers <maintainers@users.noreply.h-seed-0c1c4e4b.example>
SERIES_DATE     := 2026-11-24T00:00:00+00:00

BUILD           ?= $(CURDIR)/build
PYTHON          ?= /usr/bin/python3
