# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAProxy ``crt`` PEM files: checked bundle in, leaf + chain + key out, compared with what is on disk.

Private to the collection: may change at any time. The checks (key match, chain order, validity,
host coverage) are the ones ``_k8s/tls.py`` already does for Ingress Secrets; this file only adds
the HAProxy file layout and the before/after facts (fingerprints, never key material).
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import tls


def render(bundle):
    """One PEM as HAProxy loads it: leaf first, then intermediates, then the unencrypted key."""
    return bundle.tls_crt() + bundle.tls_key()


def facts_of(pem):
    """Identifying facts of an existing PEM file's content, or ``None`` when it is not a usable bundle."""
    if pem is None:
        return None
    blocks = [match.group(0) for match in tls.PEM_BLOCK.finditer(pem)]
    certs = b"\n".join(block for block in blocks if block.startswith(b"-----BEGIN CERTIFICATE"))
    keys = b"\n".join(block for block in blocks if b"PRIVATE KEY-----" in block.split(b"\n", 1)[0])
    facts = tls.existing_secret_facts(certs or None, keys or None)
    if facts["leaf"] is None:
        return {"chain": None, "key": facts["key"]}
    return {"chain": facts["chain"], "key": facts["key"], "subject": tls.subject_text(facts["leaf"]),
            "not_after": tls.iso(tls.not_after(facts["leaf"]))}


def plan(bundle, current_pem):
    """Return ``(new_pem, before_facts, after_facts)``; the file changes when the bytes differ."""
    new_pem = render(bundle)
    return new_pem, facts_of(current_pem), facts_of(new_pem)
