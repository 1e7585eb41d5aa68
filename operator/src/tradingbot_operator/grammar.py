"""The string grammars of the TradingBot spec, as anchored regular expressions.

Each pattern is checked by three engines: Go's RE2 on the API server (the CRD's `pattern` and CEL
`matches`), Rust's regex in pydantic (the operator's model) and Python's `re` in the tests. So they use
only what the three agree on: ASCII classes (never `\\w` or `\\d`, which are Unicode in Python), no
look-around, no back-references, `^...$` anchors. One difference remains and the tests emulate RE2 for
it: Python's `$` also matches before a final newline.
"""

from __future__ import annotations

# Kubernetes DNS-1123 subdomain (Secret names): dot-separated labels of [a-z0-9-], each starting and
# ending with an alphanumeric, so `a..b`, `-a` and `a.` are refused. At most 253 characters.
DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS1123_SUBDOMAIN_MAX = 253

# A key of a Secret's data (IsConfigMapKey): [-._a-zA-Z0-9]+, but not `.` or `..` nor starting with `..`
# (the kubelet would write outside the volume's directory). Written without look-ahead: a key starts
# with a non-dot, or with one dot followed by a non-dot.
DATA_KEY = r"^\.?[-_a-zA-Z0-9][-._a-zA-Z0-9]*$"
DATA_KEY_MAX = 253

# An OCI image reference (the grammar of distribution/reference): name[:tag][@digest], where name is
# [registry[:port]/]path, path components are lower-case alphanumerics joined by `.`, `_`, `__` or `-`,
# a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} and a digest is algorithm:hex (32+ hex digits).
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_REGISTRY = rf"{_HOST_COMPONENT}(?:\.{_HOST_COMPONENT})*(?::[0-9]+)?"
_NAME = rf"(?:{_REGISTRY}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE = rf"^{_NAME}(?::{_TAG})?(?:@{_DIGEST})?$"
IMAGE_MAX = 512

# A non-negative Kubernetes quantity (resource.Quantity without the sign: a negative request or limit
# is refused by Pod validation anyway): digits with an optional fraction, then one suffix: binary SI
# (Ki Mi Gi Ti Pi Ei), decimal SI (m k M G T P E) or a decimal exponent (e3, E-2).
QUANTITY = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[mkMGTPE]|[eE][-+]?[0-9]+)?$"
QUANTITY_MAX = 64

# The resource names a bot container may ask for: the standard ones and the huge page sizes of x86-64
# (2Mi, 1Gi) and arm64 (64Ki, 32Mi); no extended resources (GPUs...) are meaningful for a bot.
RESOURCE_NAMES = (
    "cpu",
    "memory",
    "ephemeral-storage",
    "hugepages-64Ki",
    "hugepages-2Mi",
    "hugepages-32Mi",
    "hugepages-1Gi",
)

# The size of the state volume: a whole number above 0 (no leading zero) with a binary suffix.
STORAGE_SIZE = r"^[1-9][0-9]{0,8}(Ki|Mi|Gi|Ti)$"

SYMBOL = r"^[A-Z]{2,10}_[A-Z]{2,5}$"
