"""A CustomResourceDefinition's structural schema as JSON Schema, judged as a Kubernetes API server does with strict
field validation (kubectl's default since 1.27): unknown fields, duplicate keys and wrong types are refused.

What the translation has to supply, because JSON Schema and the API server disagree on it:
- Unknown fields. The API server prunes (and with strict validation refuses) any field that an object's schema does
  not declare, unless the object says `x-kubernetes-preserve-unknown-fields`. JSON Schema allows them by default, so
  every object without that marker and without `additionalProperties` gets `additionalProperties: false`, including
  objects with no `properties` at all (the API server keeps nothing there).
- `metadata`. At the root, and in objects marked `x-kubernetes-embedded-resource`, it is always an ObjectMeta,
  whatever the CRD says (CRDs say only `type: object`): OBJECT_META gives its fields and their formats.
- `x-kubernetes-int-or-string`: an integer or a string (KServe's CRDs also spell it as `anyOf`).
- `x-kubernetes-list-type`: `set` items are unique; `map` items are unique by their `x-kubernetes-list-map-keys`,
  a missing key counting as its default (a container's ports are keyed by containerPort and protocol, TCP default).
- `format: int32` and `int64` bound integers as the API server's validator does.
- Duplicate keys in the YAML, which PyYAML would silently resolve to the last one.
"""

import jsonschema
import yaml

DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# Label and annotation keys: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters.
QUALIFIED_NAME = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"


def object_meta(namespaced, root):
    """ObjectMeta (k8s.io/apimachinery meta/v1) as a client may write it; `namespace` only where the kind has one,
    a `name` required only of the object itself (an embedded template may leave it to its controller)."""
    string = {"type": "string"}
    timestamp = {"type": ["string", "null"]}
    properties = {
        "name": {"type": "string", "maxLength": 253, "pattern": DNS_SUBDOMAIN},
        "generateName": string, "uid": string, "resourceVersion": string, "selfLink": string,
        "generation": {"type": "integer"}, "deletionGracePeriodSeconds": {"type": "integer"},
        "creationTimestamp": timestamp, "deletionTimestamp": timestamp,
        "labels": {"type": "object", "propertyNames": {"pattern": QUALIFIED_NAME},
                   "additionalProperties": {"type": "string", "maxLength": 63, "pattern": LABEL_VALUE}},
        "annotations": {"type": "object", "propertyNames": {"pattern": QUALIFIED_NAME}, "additionalProperties": string},
        "finalizers": {"type": "array", "items": string},
        "ownerReferences": {"type": "array", "items": {
            "type": "object", "required": ["apiVersion", "kind", "name", "uid"], "additionalProperties": False,
            "properties": {"apiVersion": string, "kind": string, "name": string, "uid": string,
                           "controller": {"type": "boolean"}, "blockOwnerDeletion": {"type": "boolean"}}}},
        "managedFields": {"type": "array", "items": {"type": "object"}},
    }
    if namespaced:
        properties["namespace"] = {"type": "string", "maxLength": 63, "pattern": DNS_LABEL}
    return {"type": "object", "properties": properties, "required": ["name"] if root else [], "additionalProperties": False}


def to_json_schema(node, namespaced, root=True, in_junctor=False):
    """Translates one structural schema node (recursively). `in_junctor`: inside anyOf/allOf/oneOf/not, where a
    structural schema may only restrict values, so no `additionalProperties` is added there."""
    out = {k: v for k, v in node.items() if k not in ("properties", "items", "additionalProperties", "anyOf", "allOf",
                                                       "oneOf", "not", "description", "example", "nullable")}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
    properties = {name: to_json_schema(child, namespaced, False) for name, child in node.get("properties", {}).items()}
    if root or node.get("x-kubernetes-embedded-resource"):
        properties["metadata"] = object_meta(namespaced if root else True, root)
        if not root:
            properties.setdefault("apiVersion", {"type": "string"})
            properties.setdefault("kind", {"type": "string"})
            out["required"] = sorted(set(out.get("required", [])) | {"apiVersion", "kind"})
    if properties:
        out["properties"] = properties
    if "items" in node:
        out["items"] = to_json_schema(node["items"], namespaced, False)
    for junctor in ("anyOf", "allOf", "oneOf"):
        if junctor in node:
            out[junctor] = [to_json_schema(child, namespaced, False, True) for child in node[junctor]]
    if "not" in node:
        out["not"] = to_json_schema(node["not"], namespaced, False, True)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = to_json_schema(additional, namespaced, False)
    elif additional is not None:
        out["additionalProperties"] = additional
    elif not in_junctor and node.get("type") == "object" and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def _list_type(validator, list_type, instance, schema):
    """`x-kubernetes-list-type`: set items unique; map items unique by their keys (missing key = its default)."""
    if not validator.is_type(instance, "array") or list_type not in ("set", "map"):
        return
    if list_type == "set":
        keys = [yaml.safe_dump(item, sort_keys=True) for item in instance]
        described = "the item"
    else:
        names = schema.get("x-kubernetes-list-map-keys", [])
        defaults = {n: schema.get("items", {}).get("properties", {}).get(n, {}).get("default") for n in names}
        keys = [tuple(item.get(n, defaults[n]) if isinstance(item, dict) else item for n in names) for item in instance]
        described = "the keys " + ", ".join(names)
    seen = set()
    for index, key in enumerate(keys):
        if key in seen:
            yield jsonschema.ValidationError(f"item {index} repeats {described} of an earlier item ({key}); "
                                             f"a list of type {list_type} refuses duplicates")
        seen.add(key)


StrictValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"x-kubernetes-list-type": _list_type})

FORMATS = jsonschema.FormatChecker([])


@FORMATS.checks("int32")
def _int32(value):
    return not isinstance(value, int) or -2**31 <= value < 2**31


@FORMATS.checks("int64")
def _int64(value):
    return not isinstance(value, int) or -2**63 <= value < 2**63


def validator(json_schema):
    return StrictValidator(json_schema, format_checker=FORMATS)


def problems(validator_, document):
    """Every refusal, as 'path.to[0].field: message', deepest first within a branch."""
    found = []
    for error in sorted(validator_.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        found.append(f"{path or '(root)'}: {error.message}")
    return found


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping, as strict field validation does."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate field {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_documents(text):
    return [d for d in yaml.load_all(text, Loader=StrictLoader) if d is not None]


class CRDs:
    """The served versions of every CRD in a folder, by (apiVersion, kind)."""

    def __init__(self, paths):
        self.by_kind = {}
        for path in paths:
            # The CRDs are trusted input: the C loader, where PyYAML has it, reads their 49 000 lines several times faster.
            for crd in yaml.load_all(open(path).read(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                spec = crd["spec"]
                namespaced = spec["scope"] == "Namespaced"
                for version in spec["versions"]:
                    if version.get("served"):
                        schema = to_json_schema(version["schema"]["openAPIV3Schema"], namespaced)
                        key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                        self.by_kind[key] = (crd["metadata"]["name"], validator(schema))

    def check(self, document):
        """(CRD name or None, problems) for one manifest document."""
        if not isinstance(document, dict):
            return None, ["(root): a manifest must be a mapping"]
        key = (document.get("apiVersion"), document.get("kind"))
        if key not in self.by_kind:
            known = ", ".join(f"{v} {k}" for v, k in sorted(self.by_kind))
            return None, [f"(root): no served CRD version defines apiVersion {key[0]!r} kind {key[1]!r} (known: {known})"]
        name, validator_ = self.by_kind[key]
        return name, problems(validator_, document)
