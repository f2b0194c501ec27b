#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: haproxy_build
short_description: Build and install HAProxy from a release tarball
version_added: 0.1.0
description:
  - Builds HAProxy from a release tarball with a checked set of C(USE_*) build options and installs
    the binary atomically, keeping the previous one as C(<binary>.previous).
  - Knows the build-flag differences of the 2.6, 2.8, 3.0, 3.2 and 3.4 branches (C(USE_SYSTEMD) removed
    in 3.1+, PCRE versus PCRE2, Lua include and library names per OS family) and refuses contradictory
    feature sets before anything is downloaded or built.
  - Idempotent on what is really installed. The installed binary's C(haproxy -vv) (numeric version and
    C(+FEATURE) list) plus a stamp file C(<prefix>/share/haproxy/build-info.json) (tarball sha256 and
    build options) decide whether to build; a re-run with the same inputs only runs C(haproxy -vv).
  - The new binary is verified with C(-vv) (version and features) before it replaces the installed one.
    The example error pages of the tarball are installed to C(<prefix>/share/haproxy/errors/).
  - The build dependencies (compiler, C(make), OpenSSL, Lua, PCRE2 and libsystemd headers) must be
    installed beforehand; the C(kube_edge.lb.haproxy) role does this per OS family. The module finds
    them by their headers (Lua 5.4 or 5.3 by C(lua.h) and its library, whatever the distribution names
    them) and says which package is missing before it builds.
  - The tarball is extracted entry by entry, each resolved against the build directory after the links
    before it exist; absolute paths, C(..), links leaving the directory, device files and hard links
    to anything but a file of the tarball are refused, on every supported Python version.
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
attributes:
  check_mode:
    support: full
    details: Reports whether and why it would build, without downloading or building.
  diff_mode:
    support: full
    details: Before and after version, features, tarball checksum and build options of the binary.
  idempotent:
    support: partial
    details: Not idempotent with O(force=true).
options:
  version:
    description:
      - The HAProxy release to build, for example V(2.6.12) or V(3.2.5). Branches 2.6 to 3.4 are supported.
      - The built binary must report this version, so a O(src) of another release is refused.
    type: str
    required: true
  src:
    description:
      - URL or path on the target of the release tarball.
      - Defaults to the official download URL C(https://www.haproxy.org/download/<branch>/src/haproxy-<version>.tar.gz).
    type: str
  checksum:
    description:
      - Expected checksum of the tarball, C(sha256:<hex>). Required when O(src) is a URL.
      - Verified after download (URL) or before anything else (local path).
    type: str
  prefix:
    description:
      - Installation prefix; the binary goes to C(<prefix>/sbin/haproxy).
    type: path
    default: /usr/local
  features:
    description:
      - The C(USE_*) build options, with or without the C(USE_) prefix, for example V(OPENSSL) or V(USE_LUA).
      - Defaults to OPENSSL, LUA, PCRE2, PCRE2_JIT and PROMEX, plus SYSTEMD for branches before 3.0, each only
        when its development headers are installed on the target (PCRE and PCRE_JIT where only PCRE1 is).
        Set it explicitly to keep the binary the same when those packages change.
      - A requested option whose library is not installed is refused before the build, naming the package.
      - Contradictions (PCRE with PCRE2, a JIT without its library, SYSTEMD on 3.1+, ZLIB with SLZ,
        options unknown to the branch) are refused with one message listing every problem.
    type: list
    elements: str
  make_args:
    description:
      - "Extra C(make) variables as a mapping, for example C({CPU: native, LUA_LIB_NAME: lua5.3})."
      - "Each key must be a variable name (letters, digits and C(_)), so no make option such as C(--eval) or C(-f)
        can be passed; each value may only contain letters, digits, spaces and C(_ . , / : = + @ % ~ ^ -), so
        nothing in it is expanded by make or the shell that runs its recipes."
      - C(USE_*) variables belong in O(features); C(TARGET), C(PREFIX), C(SBINDIR) and C(DESTDIR) are set by the module,
        and variables that control make itself (C(MAKEFLAGS), C(MAKEFILES), C(SHELL)...) are refused.
    type: dict
    default: {}
  jobs:
    description:
      - Parallel C(make) jobs, 1 to 1024. Defaults to the number of CPUs of the target.
    type: int
  build_dir:
    description:
      - Directory in which a scratch build directory is created; the scratch directory is removed after
        every run, successful or not (a failed C(make) reports the last lines of its output instead).
    type: path
    default: /var/tmp
  force:
    description:
      - Build and install even if the installed binary already matches.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Build HAProxy 3.2.5 from the official tarball with the default features
  kube_edge.lb.haproxy_build:
    version: 3.2.5
    checksum: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

- name: Build a lean 2.6 from a tarball already on the target
  kube_edge.lb.haproxy_build:
    version: 2.6.12
    src: /usr/local/src/haproxy_2.6.12.orig.tar.gz
    features: [OPENSSL, SYSTEMD]
    jobs: 2
  register: haproxy_build_result
"""

RETURN = r"""
version:
  description: Numeric version of the installed binary (the requested one in check mode when a build is due).
  returned: always
  type: str
  sample: 2.6.12
features:
  description: Enabled features of the installed binary, from its C(-vv) feature list, without the C(+).
  returned: always
  type: list
  elements: str
  sample: [EPOLL, OPENSSL, SYSTEMD]
binary:
  description: Path of the installed binary.
  returned: always
  type: str
  sample: /usr/local/sbin/haproxy
previous_binary:
  description: Where the binary that was replaced was kept, or null when nothing was replaced.
  returned: always
  type: str
  sample: /usr/local/sbin/haproxy.previous
build_options:
  description: The make variables the binary is (or would be) built with.
  returned: always
  type: list
  elements: str
  sample: [TARGET=linux-glibc, USE_OPENSSL=1, USE_SYSTEMD=1]
ssl_library:
  description: The TLS library the binary runs with, as C(-vv) prints it; null in check mode before a build.
  returned: always
  type: str
  sample: OpenSSL 3.0.15 3 Sep 2024
reasons:
  description: Why a build was (or would be) done; empty when the installed binary matches.
  returned: always
  type: list
  elements: str
  sample: [no binary at /usr/local/sbin/haproxy]
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import build_area
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.module import HOST


def main():
    HOST.run_module(build_area)


if __name__ == "__main__":
    main()
