"""Validate REST request bodies the way real Discord would.

Two layers:

* the request schema of the matching operation in Discord's own OpenAPI 3.1 description
  (``tests/discord_api_spec/openapi.json``), checked with jsonschema Draft 2020-12 and a
  ``referencing`` registry over the spec;
* documented limits that the spec does not encode (command-name pattern and case,
  description lengths, option/choice counts, message content 2000, embed and component
  limits), see :func:`check_limits`.

Every check returns a list of human-readable violation strings; an empty list means the
payload would be accepted.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

try:  # the `regex` module understands \p{L}; the stdlib `re` does not
    import regex as _regex
except ImportError:  # pragma: no cover - exercised only where `regex` is missing
    _regex = None

__all__ = [
    "SPEC_PATH",
    "OperationMatch",
    "RequestValidator",
    "check_command",
    "check_limits",
    "check_message_payload",
    "check_modal",
    "get_validator",
    "is_valid_command_name",
    "load_spec",
]

SPEC_PATH = Path(__file__).resolve().parent.parent / "discord_api_spec" / "openapi.json"
SPEC_URI = "urn:discord-api-spec"

# Message flags that change which limits apply.
FLAG_IS_COMPONENTS_V2 = 1 << 15

# Operations whose body (or part of it) is a message payload.
_MESSAGE_OPERATIONS = frozenset(
    {
        "create_message",
        "update_message",
        "execute_webhook",
        "update_webhook_message",
        "update_original_webhook_message",
    }
)
_COMMAND_OPERATIONS = frozenset(
    {
        "create_application_command",
        "update_application_command",
        "create_guild_application_command",
        "update_guild_application_command",
    }
)
_BULK_COMMAND_OPERATIONS = frozenset(
    {"bulk_set_application_commands", "bulk_set_guild_application_commands"}
)
_INTERACTION_CALLBACK = "create_interaction_response"

if _regex is not None:
    _COMMAND_NAME_RE = _regex.compile(r"^[-_\p{L}\p{N}]{1,32}$")

    def _name_chars_ok(name: str) -> bool:
        return bool(_COMMAND_NAME_RE.match(name))

else:  # pragma: no cover

    def _name_chars_ok(name: str) -> bool:
        # str.isalnum covers the Unicode letter and number categories closely enough.
        return 1 <= len(name) <= 32 and all(ch in "-_" or ch.isalnum() for ch in name)


# ---------------------------------------------------------------------------
# Spec loading and path matching
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """Load the OpenAPI document (cached; treat the result as read-only)."""
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _absolutize_refs(node: Any) -> Any:
    """Rewrite document-relative ``#/...`` refs to ``urn:discord-api-spec#/...``.

    That lets any sub-schema (e.g. an inline request body schema) be validated on its own
    while its refs still resolve through the registry.
    """
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = SPEC_URI + value
            else:
                out[key] = _absolutize_refs(value)
        return out
    if isinstance(node, list):
        return [_absolutize_refs(v) for v in node]
    return node


def _apply_spec_fixes(spec: dict[str, Any]) -> None:
    """Patch places where the spec is stricter than Discord really is.

    * Snowflakes: Discord accepts JSON numbers as well as strings, and discord.py sends
      e.g. ``message_reference.message_id`` and ``allowed_mentions.users`` as integers.
    """
    schemas = spec["components"]["schemas"]
    snowflake = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {
        "anyOf": [snowflake, {"type": "integer", "minimum": 0, "maximum": 2**64 - 1}]
    }


@dataclass(frozen=True)
class OperationMatch:
    """The OpenAPI operation a concrete request path resolved to."""

    operation_id: str
    template: str
    method: str
    path_params: dict[str, str]
    body_schema: dict[str, Any] | None
    body_required: bool


@dataclass(frozen=True)
class _Route:
    template: str
    regex: re.Pattern[str]
    param_count: int
    literal_len: int


def _compile_template(template: str) -> _Route:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = ""
    params = 0
    literal = 0
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            pattern += f"(?P<{part[1:-1]}>[^/]+)"
            params += 1
        else:
            pattern += re.escape(part)
            literal += len(part)
    return _Route(template, re.compile(pattern + "/?"), params, literal)


class RequestValidator:
    """Maps request paths to spec operations and validates bodies against them."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        raw = spec if spec is not None else load_spec()
        self.spec: dict[str, Any] = _absolutize_refs(copy.deepcopy(raw))
        _apply_spec_fixes(self.spec)
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource)
        # Literal segments beat placeholders: /users/@me before /users/{user_id},
        # /messages/@original before /messages/{message_id}.
        self._routes = sorted(
            (_compile_template(t) for t in self.spec["paths"]),
            key=lambda r: (r.param_count, -r.literal_len),
        )
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}

    def match(self, method: str, path: str) -> OperationMatch | None:
        """Return the operation for ``method path`` (path relative to ``/api/v10``)."""
        method = method.lower()
        for route in self._routes:
            found = route.regex.fullmatch(path)
            if not found:
                continue
            item = self.spec["paths"][route.template]
            operation = item.get(method)
            if operation is None:
                continue
            schema, required = self._body_schema(operation)
            return OperationMatch(
                operation_id=operation.get("operationId", f"{method} {route.template}"),
                template=route.template,
                method=method.upper(),
                path_params=found.groupdict(),
                body_schema=schema,
                body_required=required,
            )
        return None

    @staticmethod
    def _body_schema(operation: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        body = operation.get("requestBody")
        if not body:
            return None, False
        content = body.get("content", {})
        media = content.get("application/json") or next(iter(content.values()), None)
        if media is None:
            return None, False
        return media.get("schema"), bool(body.get("required"))

    def _validator_for(self, match: OperationMatch) -> Draft202012Validator | None:
        if match.body_schema is None:
            return None
        key = (match.method, match.template)
        validator = self._validators.get(key)
        if validator is None:
            validator = Draft202012Validator(match.body_schema, registry=self.registry)
            self._validators[key] = validator
        return validator

    def schema_violations(self, match: OperationMatch, body: Any) -> list[str]:
        """Violations of the operation's request-body schema."""
        if body is None:
            return ["[spec] request body is required but missing"] if match.body_required else []
        validator = self._validator_for(match)
        if validator is None:
            return []
        return [msg for err in validator.iter_errors(body) for msg in _format_error(err)]

    def violations(self, match: OperationMatch, body: Any) -> list[str]:
        """Spec violations plus documented-limit violations for a matched request.

        A limit violation at a JSON path the spec already flagged is left out, so one
        oversized title is reported once.
        """
        spec = self.schema_violations(match, body)
        flagged = {msg.split(": ", 1)[0].removeprefix("[spec] ") for msg in spec}
        limits = [
            f"[limit] {problem}"
            for problem in check_limits(match.operation_id, body)
            if problem.split(": ", 1)[0] not in flagged
        ]
        return spec + limits

    def validate(self, method: str, path: str, body: Any) -> list[str]:
        """All violations (spec + documented limits) for one request; [] if acceptable."""
        match = self.match(method, path)
        if match is None:
            return []
        return self.violations(match, body)


@functools.lru_cache(maxsize=1)
def get_validator() -> RequestValidator:
    """A shared validator (building the registry over the 1 MB spec is not free)."""
    return RequestValidator()


def _json_path(path: Iterable[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_branch_miss(error: ValidationError, depth: int) -> bool:
    """True if a union branch failed only because it is the wrong variant.

    That is a JSON type mismatch at the union's own instance (e.g. the ``{"type": "null"}``
    arm of a nullable ref) or a wrong ``type`` discriminator (e.g. callback type 8 checked
    against the type-4 schema).
    """
    rel = list(error.absolute_path)[depth:]
    if not rel:
        return error.validator == "type"
    return rel == ["type"] and error.validator in ("enum", "const")


def _leaf_errors(error: ValidationError) -> list[ValidationError]:
    """Errors worth showing: inside unions, those of the variant the payload was meant as."""
    if not error.context:
        return [error]
    depth = len(error.absolute_path)
    if all(e.validator == "const" and len(e.absolute_path) == depth for e in error.context):
        return [error]  # an enum spelled as oneOf-of-consts; _describe lists the values
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    plausible = [
        errs for errs in branches.values() if not any(_is_branch_miss(e, depth) for e in errs)
    ]
    if len(plausible) == 1:
        return [leaf for sub in plausible[0] for leaf in _leaf_errors(sub)]
    candidates = [e for errs in plausible for e in errs] or list(error.context)
    return _leaf_errors(best_match(candidates))


def _describe(error: ValidationError) -> str:
    """A short message; jsonschema's own messages embed the whole (possibly huge) value."""
    value = error.instance
    if error.validator in ("maxLength", "minLength") and isinstance(value, str):
        return f"{len(value)} characters ({error.validator} {error.validator_value})"
    if error.validator in ("maxItems", "minItems") and isinstance(value, list):
        return f"{len(value)} items ({error.validator} {error.validator_value})"
    if error.context and all(e.validator == "const" for e in error.context):
        allowed = sorted(e.validator_value for e in error.context)
        return f"{_short(value)} is not one of {allowed}"
    message = error.message
    return message if len(message) <= 160 else message[:157] + "..."


def _format_error(error: ValidationError) -> list[str]:
    return [
        f"[spec] {_json_path(leaf.absolute_path)}: {_describe(leaf)}"
        for leaf in _leaf_errors(error)
    ]


# ---------------------------------------------------------------------------
# Documented limits the spec does not encode
# ---------------------------------------------------------------------------

MAX_CONTENT = 2000
MAX_EMBEDS = 10
EMBED_LIMITS = {"title": 256, "description": 4096}
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER_TEXT = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_CHOICE_STRING_VALUE = 100
MAX_DESCRIPTION = 100
MAX_COMMAND_TOTAL = 4000
# Modals: Discord's documentation allows 1-5 top-level components (the spec says 40).
MAX_MODAL_COMPONENTS = 5
MAX_TEXT_INPUT = 4000

# Application command types and option types that matter for the rules below.
CHAT_INPUT = 1
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2


def is_valid_command_name(name: Any) -> bool:
    """True if ``name`` is a valid CHAT_INPUT command/option name (pattern and lowercase)."""
    return isinstance(name, str) and _name_chars_ok(name) and name == name.lower()


def _check_name(name: Any, where: str) -> Iterator[str]:
    if not isinstance(name, str) or not _name_chars_ok(name):
        yield f"{where}: name {_short(name)} does not match ^[-_\\p{{L}}\\p{{N}}]{{1,32}}$"
    elif name != name.lower():
        yield f"{where}: name {_short(name)} must be lowercase"


def _check_text(value: Any, where: str, lo: int, hi: int) -> Iterator[str]:
    if not isinstance(value, str) or not lo <= len(value) <= hi:
        size = len(value) if isinstance(value, str) else "missing"
        yield f"{where}: must be {lo}-{hi} characters (got {size})"


def _check_localizations(
    value: Any, where: str, check: Callable[[Any, str], Iterator[str]]
) -> Iterator[str]:
    if isinstance(value, dict):
        for locale, text in value.items():
            yield from check(text, f"{where}[{locale}]")


def _check_choices(choices: Any, where: str) -> Iterator[str]:
    if not isinstance(choices, list):
        return
    if len(choices) > MAX_CHOICES:
        yield f"{where}: {len(choices)} choices (max {MAX_CHOICES})"
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        here = f"{where}[{i}]"
        yield from _check_text(choice.get("name"), f"{here}.name", 1, MAX_CHOICE_NAME)
        yield from _check_localizations(
            choice.get("name_localizations"),
            f"{here}.name_localizations",
            lambda t, w: _check_text(t, w, 1, MAX_CHOICE_NAME),
        )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > MAX_CHOICE_STRING_VALUE:
            yield f"{here}.value: string choice values are at most 100 characters"


def _check_options(options: Any, where: str) -> Iterator[str]:
    if not isinstance(options, list):
        return
    if len(options) > MAX_OPTIONS:
        yield f"{where}: {len(options)} options (max {MAX_OPTIONS})"
    seen: set[str] = set()
    seen_optional = False
    for i, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = f"{where}[{i}]"
        name = option.get("name")
        yield from _check_name(name, f"{here}.name")
        yield from _check_localizations(
            option.get("name_localizations"), f"{here}.name_localizations", _check_name
        )
        if isinstance(name, str):
            if name in seen:
                yield f"{here}.name: duplicate option name {name!r}"
            seen.add(name)
        yield from _check_text(option.get("description"), f"{here}.description", 1, 100)
        yield from _check_localizations(
            option.get("description_localizations"),
            f"{here}.description_localizations",
            lambda t, w: _check_text(t, w, 1, MAX_DESCRIPTION),
        )
        yield from _check_choices(option.get("choices"), f"{here}.choices")
        if option.get("choices") and option.get("autocomplete"):
            yield f"{here}: autocomplete cannot be combined with choices"
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            yield from _check_options(option.get("options"), f"{here}.options")
        elif option.get("required"):
            # Discord rejects required options listed after optional ones.
            if seen_optional:
                yield f"{here}: required option {name!r} comes after an optional one"
        else:
            seen_optional = True


def _command_text_total(node: Any) -> int:
    """Characters counted toward the 4000-character per-command limit."""
    if not isinstance(node, dict):
        return 0
    total = len(str(node.get("name", ""))) + len(str(node.get("description") or ""))
    for choice in node.get("choices") or []:
        if isinstance(choice, dict):
            total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    for option in node.get("options") or []:
        total += _command_text_total(option)
    return total


def check_command(command: Any, where: str = "$") -> list[str]:
    """Documented limits for one application command payload."""
    if not isinstance(command, dict):
        return [f"{where}: command must be an object"]
    problems: list[str] = []
    ctype = command.get("type") or CHAT_INPUT
    name = command.get("name")
    if ctype == CHAT_INPUT:
        problems += _check_name(name, f"{where}.name")
        problems += _check_localizations(
            command.get("name_localizations"), f"{where}.name_localizations", _check_name
        )
        problems += _check_text(command.get("description"), f"{where}.description", 1, 100)
        problems += _check_localizations(
            command.get("description_localizations"),
            f"{where}.description_localizations",
            lambda t, w: _check_text(t, w, 1, MAX_DESCRIPTION),
        )
        problems += _check_options(command.get("options"), f"{where}.options")
        total = _command_text_total(command)
        if total > MAX_COMMAND_TOTAL:
            problems.append(f"{where}: {total} characters in names/descriptions/choices (max 4000)")
    else:
        # User and message context-menu commands: 1-32 chars, spaces and case allowed.
        problems += _check_text(name, f"{where}.name", 1, 32)
        if command.get("description"):
            problems.append(f"{where}.description: context menu commands must not have one")
    return problems


def _embed_texts(embed: dict[str, Any]) -> Iterator[tuple[str, Any, int]]:
    """(json-path suffix, value, limit) for every length-limited embed text."""
    for key, limit in EMBED_LIMITS.items():
        yield f".{key}", embed.get(key), limit
    footer = embed.get("footer")
    if isinstance(footer, dict):
        yield ".footer.text", footer.get("text"), MAX_FOOTER_TEXT
    author = embed.get("author")
    if isinstance(author, dict):
        yield ".author.name", author.get("name"), MAX_AUTHOR_NAME
    for i, field in enumerate(embed.get("fields") or []):
        if isinstance(field, dict):
            yield f".fields[{i}].name", field.get("name"), MAX_FIELD_NAME
            yield f".fields[{i}].value", field.get("value"), MAX_FIELD_VALUE


def _check_embeds(embeds: Any, where: str) -> Iterator[str]:
    if not isinstance(embeds, list):
        return
    if len(embeds) > MAX_EMBEDS:
        yield f"{where}: {len(embeds)} embeds (max {MAX_EMBEDS})"
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        fields = embed.get("fields") or []
        if isinstance(fields, list) and len(fields) > MAX_EMBED_FIELDS:
            yield f"{where}[{i}].fields: {len(fields)} fields (max {MAX_EMBED_FIELDS})"
        for suffix, value, limit in _embed_texts(embed):
            if isinstance(value, str):
                total += len(value)
                if len(value) > limit:
                    yield f"{where}[{i}]{suffix}: {len(value)} characters (max {limit})"
    if total > MAX_EMBED_TOTAL:
        yield f"{where}: embeds hold {total} characters in total (max {MAX_EMBED_TOTAL})"


def _walk_components(components: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(components, list):
        return
    for i, comp in enumerate(components):
        if not isinstance(comp, dict):
            continue
        here = f"{where}[{i}]"
        yield here, comp
        yield from _walk_components(comp.get("components"), f"{here}.components")
        for key in ("component", "accessory"):  # label / section children
            child = comp.get(key)
            if isinstance(child, dict):
                yield f"{here}.{key}", child
                yield from _walk_components(child.get("components"), f"{here}.{key}.components")


def _check_components(components: Any, where: str, flags: int) -> Iterator[str]:
    if not isinstance(components, list):
        return
    if not flags & FLAG_IS_COMPONENTS_V2 and len(components) > MAX_ACTION_ROWS:
        yield f"{where}: {len(components)} action rows (max {MAX_ACTION_ROWS})"
    for here, comp in _walk_components(components, where):
        ctype = comp.get("type")
        if ctype == 1:
            children = comp.get("components") or []
            buttons = [c for c in children if isinstance(c, dict) and c.get("type") == 2]
            if len(buttons) > MAX_ROW_BUTTONS:
                yield f"{here}: {len(buttons)} buttons in one row (max {MAX_ROW_BUTTONS})"
        custom_id = comp.get("custom_id")
        if isinstance(custom_id, str) and not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
            yield f"{here}.custom_id: {len(custom_id)} characters (must be 1-{MAX_CUSTOM_ID})"
        label = comp.get("label")
        if ctype == 2 and isinstance(label, str) and len(label) > MAX_BUTTON_LABEL:
            yield f"{here}.label: {len(label)} characters (max {MAX_BUTTON_LABEL})"


def check_message_payload(body: Any, where: str = "$") -> list[str]:
    """Documented limits for a message create/edit/webhook payload."""
    if not isinstance(body, dict):
        return []
    problems: list[str] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        problems.append(f"{where}.content: {len(content)} characters (max {MAX_CONTENT})")
    problems += _check_embeds(body.get("embeds"), f"{where}.embeds")
    flags = body.get("flags") if isinstance(body.get("flags"), int) else 0
    problems += _check_components(body.get("components"), f"{where}.components", flags)
    return problems


def _check_autocomplete(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["$.data: autocomplete result needs data.choices"]
    return list(_check_choices(data.get("choices"), "$.data.choices"))


def check_limits(operation_id: str, body: Any) -> list[str]:
    """Documented Discord limits (not in the spec) for a request body of ``operation_id``."""
    if body is None:
        return []
    if operation_id in _MESSAGE_OPERATIONS:
        return check_message_payload(body)
    if operation_id in _COMMAND_OPERATIONS:
        return check_command(body)
    if operation_id in _BULK_COMMAND_OPERATIONS:
        if not isinstance(body, list):
            return []
        problems: list[str] = []
        seen: set[tuple[Any, Any]] = set()
        for i, command in enumerate(body):
            problems += check_command(command, f"$[{i}]")
            if isinstance(command, dict):
                key = (command.get("type") or CHAT_INPUT, command.get("name"))
                if key in seen:
                    problems.append(f"$[{i}].name: duplicate command name {key[1]!r}")
                seen.add(key)
        return problems
    if operation_id == _INTERACTION_CALLBACK and isinstance(body, dict):
        ctype = body.get("type")
        if ctype in (4, 7):
            return check_message_payload(body.get("data"), "$.data")
        if ctype == 8:
            return _check_autocomplete(body.get("data"))
        if ctype == 9:
            return check_modal(body.get("data") or {})
    return []


def check_modal(data: dict[str, Any], where: str = "$.data") -> list[str]:
    """Documented limits of a modal the spec leaves out: 1-5 components, sane text inputs."""
    components = data.get("components")
    problems = list(_check_components(components, f"{where}.components", 0))
    count = len(components) if isinstance(components, list) else 0
    if not 1 <= count <= MAX_MODAL_COMPONENTS:
        problems.append(
            f"{where}.components: {count} components (a modal holds 1-{MAX_MODAL_COMPONENTS})"
        )
    seen: set[str] = set()
    for here, comp in _walk_components(components, f"{where}.components"):
        custom_id = comp.get("custom_id")
        if isinstance(custom_id, str):
            if custom_id in seen:
                problems.append(f"{here}.custom_id: {custom_id!r} is used twice in the modal")
            seen.add(custom_id)
        if comp.get("type") != 4:
            continue
        low, high = comp.get("min_length") or 0, comp.get("max_length") or MAX_TEXT_INPUT
        if low > high:
            problems.append(f"{here}: min_length {low} is above max_length {high}")
        value = comp.get("value")
        if isinstance(value, str) and len(value) > high:
            problems.append(f"{here}.value: {len(value)} characters (max_length {high})")
    return problems
