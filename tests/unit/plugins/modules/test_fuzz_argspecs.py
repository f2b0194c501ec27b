# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No module ends in a traceback: Hypothesis inputs from every module's argument spec, run through main().

For each module in plugins/modules the argument spec is taken the way the module builds it: main()
runs with ``AnsibleModule`` replaced by a recorder that keeps the spec and stops. Hypothesis then
draws arguments from that spec (each option present or not; values of the right type with hostile
content, or of a wrong type: empty, huge, unicode, control characters, hostile names, path
traversal, template and shell syntax, numbers out of any range) and runs main() in-process, in
check mode or not, with diff or not, against the in-process emulators (BIG-IP for f5_*, Kubernetes
API for metallb_config and ingress_tls). Each case must end in a clean success or a clean failure
(one message, no ``unexpected error``, no ``exception``, no escaping exception) within
CASE_SECONDS.

Connection options are pinned so that no case leaves 127.0.0.0/8: the F5 ``provider`` points at
the emulator (its ``timeout``, ``validate_certs`` and ``auth`` are fuzzed), the Kubernetes
``kubeconfig`` at the emulator (``host`` and ``proxy`` are never set), haproxy_build's download
writes random bytes instead of fetching, and every ``type: path`` value is made relative to a
scratch working directory.

$KUBE_EDGE_FUZZ_EXAMPLES sets the cases per module (default 150, derandomized: about a minute for all
modules in ``make test``; ``make fuzz`` runs many more, randomized).
With $KUBE_EDGE_FUZZ_REPORT=<path>, ``{"fuzz_cases": N, "fuzz_tracebacks": M, "modules": {...}}``
is written there (merged across modules). A traceback fails the test with the module, the inputs
(no secrets: they are generated) and the message, so it can be replayed.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import importlib
import io
import json
import os
import time
import traceback
import warnings

import ansible
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.kube_edge.lb.plugins.module_utils._common import module as common_module
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import build
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import patch_module_args

MODULES_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                                            "plugins", "modules"))
MODULES = sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith(".py") and name != "__init__.py")
CASES_PER_MODULE = int(os.environ.get("KUBE_EDGE_FUZZ_EXAMPLES") or 150)
REPORT = os.environ.get("KUBE_EDGE_FUZZ_REPORT")
CASE_SECONDS = 15.0
SHOWN_PER_MODULE = 5

# Kubernetes connection options that would send traffic somewhere else than the emulator.
K8S_PINNED = ("kubeconfig", "host", "proxy")
F5_PINNED = ("server", "server_port", "user", "password")

HOSTILE = [
    "", " ", "\t", "\n", "\r\n", "\x00", "\x1b[31m", "\u2028", "\u202e", "\ufeff", "\u00a0", "日本語", "😀",
    ".", "..", "../../../etc/passwd", "/", "//", "~", "~root", "#", "?", "%", "%2F", "%00", "&", ";", "|",
    "$HOME", "${HOME}", "$(id)", "`id`", "'", '"', "\\", "{{ 7 * 7 }}", "{% raw %}", "<script>", "a" * 256,
    "A" * 5000, "x" * 20000, "-1", "0", "1e999", "NaN", "inf", "None", "null", "true", "no", "[1]", "{}",
    "10.0.0.1%2", "::1", "0.0.0.0/0", "*", "Common/../x", "a/b", "a\nverify none", "web\nserver evil 1.2.3.4:80",
    "--eval=x", "-f", "sha256:", "sha256:" + "g" * 64, "2.6.12\n", "http://127.0.0.1:9/x", "file:///etc/shadow",
]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
STRINGS = st.one_of(st.sampled_from(HOSTILE), TEXT, st.builds(lambda a, b: a + b, st.sampled_from(
    ["web", "Common", "10.0.0.1", "example.com", "present", "2.6.12", "sha256:" + "a" * 64]), st.sampled_from(HOSTILE)))
NUMBERS = st.one_of(st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.sampled_from([0, -1, 1, 65535, 65536, 2 ** 31, 2 ** 63]))
SCALARS = st.one_of(STRINGS, NUMBERS, st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False))
WRONG = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(TEXT, SCALARS, max_size=3))


def relative_path(text):
    """A hostile path that stays below the scratch working directory (no /, ~, $ or .. can leave it)."""
    cleaned = text.replace("\x00", "").replace("$", "_").replace("~", "_").replace("..", "__").lstrip("/")
    return os.path.join("fuzz", cleaned) if cleaned else "fuzz"


# Valid certificate material (generated per run by ``material``), so that the certificate modules get past
# parsing: option name -> PEM text, and "<name>_path" -> a file holding it.
MATERIAL = {}


def value_strategy(option, wrong_types=True, name=None):
    """Values for one argspec entry: its own type with hostile content, or (``wrong_types``) sometimes a wrong type."""
    typed = _typed_strategy(option, wrong_types)
    if name in MATERIAL:
        valid = st.sampled_from([MATERIAL[name]])
        typed = st.one_of(valid, valid, st.builds(lambda pem, tail: pem + tail, valid, st.sampled_from(HOSTILE)), typed)
    if option.get("choices"):
        choices = st.sampled_from(list(option["choices"]))
        typed = st.one_of(choices, typed) if wrong_types else choices
    return st.one_of(typed, typed, typed, WRONG) if wrong_types else typed


def _typed_strategy(option, wrong_types):
    kind = option.get("type", "str")
    elements = option.get("elements")
    suboptions = option.get("options")
    if kind == "path":
        typed = STRINGS.map(relative_path)
    elif kind == "int":
        typed = NUMBERS
    elif kind == "float":
        typed = st.one_of(NUMBERS, st.floats(allow_nan=False))
    elif kind == "bool":
        typed = st.one_of(st.booleans(), st.sampled_from(["yes", "no", "maybe", 2, ""]))
    elif kind == "dict" and suboptions:
        typed = options_strategy(suboptions, wrong_types)
    elif kind == "dict":
        typed = st.dictionaries(STRINGS, SCALARS, max_size=4)
    elif kind == "list":
        element = {"type": elements or "str", "options": suboptions} if elements == "dict" else {"type": elements or "str"}
        typed = st.lists(value_strategy(element, wrong_types), max_size=4)
    elif kind == "raw":
        typed = WRONG
    else:
        typed = STRINGS
    return typed


def options_strategy(spec, wrong_types=True):
    """A dict of arguments for ``spec``: required options present, the others maybe."""
    required = {name: value_strategy(option, wrong_types, name) for name, option in spec.items() if option.get("required")}
    optional = {name: value_strategy(option, wrong_types, name) for name, option in spec.items() if not option.get("required")}
    return st.fixed_dictionaries(required, optional=optional)


def arguments_strategy(spec, constraints):
    """Three cases in four pass the argument spec (types and the module's option constraints) and reach the
    module's own checks; the rest may not."""
    must = set(group[0] for group in constraints.get("required_one_of") or [])
    typed_spec = {name: dict(option, required=option.get("required") or name in must) for name, option in spec.items()}

    def respecting(args):
        for group in constraints.get("mutually_exclusive") or []:
            for name in [name for name in group if name in args][1:]:
                del args[name]
        return args

    return st.one_of(options_strategy(typed_spec, False).map(respecting), options_strategy(typed_spec, False).map(respecting),
                     options_strategy(typed_spec, False).map(respecting), options_strategy(spec, True))


class _SpecCaptured(Exception):
    pass


def constructor_home(module):
    """Where main() finds AnsibleModule: the module file, or the shared path an API module's main() runs through."""
    return module if hasattr(module, "AnsibleModule") else common_module


def argument_spec(module):
    """The spec main() hands to AnsibleModule (and its other keyword arguments), recorded without running the module."""
    seen = {}

    class Recorder:
        def __init__(self, argument_spec=None, **kwargs):
            seen.update(argument_spec=argument_spec, kwargs=kwargs)
            raise _SpecCaptured()

    home = constructor_home(module)
    original = home.AnsibleModule
    home.AnsibleModule = Recorder
    try:
        module.main()
    except _SpecCaptured:
        pass
    finally:
        home.AnsibleModule = original
    return seen["argument_spec"], seen["kwargs"]


ANSIBLE_DIR = os.path.dirname(os.path.abspath(ansible.__file__)) + os.sep


class Outcome:
    """How one case ended: ``result`` (the module's JSON), or ``escaped`` (an exception out of main())."""

    def __init__(self, result=None, escaped=None, in_core=False, reached=False):
        self.result, self.escaped, self.in_core, self.reached = result, escaped, in_core, reached

    def problem(self):
        """Why the case is a traceback, or None when it ended cleanly."""
        if self.escaped:
            return self.escaped.strip().splitlines()[-1]
        msg = str(self.result.get("msg", ""))
        if msg.startswith("unexpected error") or "exception" in self.result or "Traceback (most recent call last)" in msg:
            return msg[:500]
        return None


def run_main(module, args, check_mode, diff):
    """main() with ``args``, in-process, its stdout captured; ``reached`` says whether the argument spec passed."""
    stdout = io.StringIO()
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    reached = []
    home = constructor_home(module)
    original = home.AnsibleModule

    class Tracked(original):
        def __init__(self, *pargs, **kwargs):
            super().__init__(*pargs, **kwargs)
            reached.append(True)

    home.AnsibleModule = Tracked
    try:
        with patch_module_args(args), contextlib.redirect_stdout(stdout):
            module.main()
    except SystemExit:
        pass
    except Exception as error:  # the very thing this test looks for
        innermost = traceback.extract_tb(error.__traceback__)[-1].filename
        # ansible-core's own argument validation (AnsibleModule(), before any code of ours runs).
        in_core = not reached and os.path.abspath(innermost).startswith(ANSIBLE_DIR)
        return Outcome(escaped=traceback.format_exc(), in_core=in_core)
    finally:
        home.AnsibleModule = original
    output = stdout.getvalue()
    try:
        return Outcome(result=json.loads(output[output.index("{"):]), reached=bool(reached))
    except ValueError:
        return Outcome(escaped="no JSON result: %r" % output[:500])


def write_report(name, cases, reached, tracebacks, core_tracebacks):
    if not REPORT:
        return
    with open(REPORT, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        try:
            report = json.loads(handle.read() or "{}")
        except ValueError:
            report = {}
        modules = report.setdefault("modules", {})
        modules[name] = {"cases": cases, "past_argspec": reached, "tracebacks": tracebacks,
                         "core_tracebacks": core_tracebacks}
        for key, field in (("fuzz_cases", "cases"), ("fuzz_past_argspec", "past_argspec"), ("fuzz_tracebacks", "tracebacks"),
                           ("fuzz_core_tracebacks", "core_tracebacks")):
            report[key] = sum(entry.get(field, 0) for entry in modules.values())
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(report, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    """A self-signed certificate (SAN www.example.com, 90 days) and its key, as text and as files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=90))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("www.example.com")]), critical=False)
                   .sign(key, hashes.SHA256()))
    texts = {"certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
             "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()}
    texts.update(chain=texts["certificate"], ca=texts["certificate"])
    directory = tmp_path_factory.mktemp("material")
    for option, text in list(texts.items()):
        path = directory / (option + ".pem")
        path.write_text(text)
        texts[option + "_path"] = str(path)
    MATERIAL.update(texts)
    yield texts
    MATERIAL.clear()


@pytest.fixture()
def targets(material, tmp_path, monkeypatch):
    """A scratch working directory, a download that never leaves the machine, no connection variables."""
    monkeypatch.chdir(tmp_path)

    def download(_url, dest):
        with open(dest, "wb") as handle:
            handle.write(os.urandom(64))

    monkeypatch.setattr(build, "download_with_ansible", download)
    for variable in [name for name in os.environ if name.startswith(("K8S_AUTH_", "F5_"))]:
        monkeypatch.delenv(variable)
    return {}


def emulators_for(spec, request, targets):
    """Start (or reuse) only the emulators this module talks to, so that the others' prerequisites don't matter."""
    if "provider" in spec:
        targets["f5"] = request.getfixturevalue("emulator_server")
    if "kubeconfig" in spec:
        targets["k8s"] = request.getfixturevalue("k8s_emulator_session")
    return targets


def pin_connection(args, spec, targets):
    """Point the connection options at the emulators (whatever was drawn for them)."""
    if "provider" in spec:
        provider = args.get("provider") if isinstance(args.get("provider"), dict) else {}
        provider = {key: value for key, value in provider.items() if key not in F5_PINNED}
        provider.update((key, value) for key, value in targets["f5"].provider().items() if key in F5_PINNED)
        args["provider"] = provider
    if "kubeconfig" in spec:
        for key in K8S_PINNED:
            args.pop(key, None)
        args["kubeconfig"] = targets["k8s"].kubeconfig
    return args


@pytest.mark.parametrize("name", MODULES)
def test_module_never_ends_in_a_traceback(name, targets, request):
    module = importlib.import_module("ansible_collections.kube_edge.lb.plugins.modules." + name)
    spec, constraints = argument_spec(module)
    emulators_for(spec, request, targets)
    found, in_core, slow, cases, reached, seen = [], [], [], [0], [0], set()

    @settings(max_examples=CASES_PER_MODULE, deadline=None, database=None, derandomize="KUBE_EDGE_FUZZ_EXAMPLES" not in os.environ,
              suppress_health_check=list(HealthCheck))
    @given(args=arguments_strategy(spec, constraints), check_mode=st.booleans(), diff=st.booleans())
    def case(args, check_mode, diff):
        args = pin_connection(dict(args), spec, targets)
        if "provider" in spec:
            targets["f5"].reset()
        if "kubeconfig" in spec:
            targets["k8s"].reset(metallb_crds=True)
            # As after a MetalLB install, so that applies get past the first create.
            targets["k8s"].store.put_object("v1", "namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                                 "metadata": {"name": "metallb-system"}})
        started = time.monotonic()
        outcome = run_main(module, args, check_mode, diff)
        seconds = time.monotonic() - started
        cases[0] += 1
        reached[0] += outcome.reached
        problem = outcome.problem()
        if problem and (problem, repr(args), check_mode) not in seen:  # Hypothesis may replay a case
            seen.add((problem, repr(args), check_mode))
            (in_core if outcome.in_core else found).append((problem, args, check_mode))
        if seconds > CASE_SECONDS:
            slow.append((round(seconds, 1), args, check_mode))

    case()
    write_report(name, cases[0], reached[0], len(found), len(in_core))
    if in_core:
        # Not ours to fix (ansible-core's check_type_int lets OverflowError out, ansible/ansible#87253);
        # counted apart and shown, so that a core upgrade that fixes it is noticed.
        warnings.warn("%s: %d of %d cases crashed inside ansible-core's argument validation, e.g. %s with %r"
                      % (name, len(in_core), cases[0], in_core[0][0], in_core[0][1]), stacklevel=1)
    report = ["%s: %d of %d cases ended in a traceback:" % (name, len(found), cases[0])]
    for problem, args, check_mode in found[:SHOWN_PER_MODULE]:
        report.append("  %s\n    args=%r check_mode=%s" % (problem, args, check_mode))
    assert not found, "\n".join(report)
    assert not slow, "%s: cases over %s s: %r" % (name, CASE_SECONDS, slow[:SHOWN_PER_MODULE])
