"""The texts' message format: each text in content/<language>/ is a Fluent pattern
(https://projectfluent.org, the format of Firefox and of aiogram's i18n), so `{ $name }`
is filled in and a number can choose its words by the language's plural rules
(`{ $count -> [one] ... *[other] ... }`). Checked here at start-up; filled in by `Patterns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import fluent_number
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

# Written right to left: a value filled into their texts is isolated (Unicode's FSI/PDI),
# so Latin names and numbers keep their place in the sentence.
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur", "yi"})
# The functions a text may call: how a number or a date is written in the language.
_FUNCTIONS = frozenset({"NUMBER", "DATETIME"})
_HINT = ("a line may not begin with [, * or . (write {\"[\"}), and a literal brace is "
         "written {\"{\"}")


def _source(message_id: str, template: str) -> str:
    """`template` as the body of one Fluent message called `message_id`."""
    lines = template.strip().splitlines() or [""]
    body = "\n".join(f"    {line}" if line.strip() else "" for line in lines)
    return f"{message_id} =\n{body}\n"


@dataclass(frozen=True)
class Parsed:
    """What a template uses: its variables, or why it cannot be used (`problem`)."""

    variables: frozenset[str] = frozenset()
    problem: str = ""


class _Uses(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.variables: set[str] = set()
        self.problems: list[str] = []

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.variables.add(node.id.name)

    def visit_MessageReference(self, node: ast.MessageReference) -> None:
        name = node.id.name
        self.problems.append(f"{{{name}}} is not a placeholder: write {{ ${name} }}")

    def visit_TermReference(self, node: ast.TermReference) -> None:
        self.problems.append(f"refers to a term (-{node.id.name}), which the bot does not have")

    def visit_FunctionReference(self, node: ast.FunctionReference) -> None:
        if node.id.name not in _FUNCTIONS:
            self.problems.append(f"calls {node.id.name}(), which does not exist "
                                 f"(there are {', '.join(sorted(_FUNCTIONS))})")
        self.generic_visit(node)


def parse(template: str) -> Parsed:
    """The variables `template` uses, or a description of why it is not a pattern."""
    resource = FluentParser(with_spans=False).parse(_source("text", template))
    entries = resource.body
    if len(entries) != 1 or not isinstance(entries[0], ast.Message):
        junk = next((entry for entry in entries if isinstance(entry, ast.Junk)), None)
        said = junk.annotations[0].message if junk is not None and junk.annotations else ""
        return Parsed(problem=f"not a valid text ({said}; {_HINT})")
    uses = _Uses()
    uses.visit(entries[0])
    if uses.problems:
        return Parsed(problem="; ".join(uses.problems))
    return Parsed(frozenset(uses.variables))


def babel_locale(name: str) -> Locale | None:
    """Babel's locale for `name` ("en_GB", "es", "zh_Hans_CN"), or None if it has none."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


class Patterns:
    """One language's templates, filled in by Fluent with the language's plural rules."""

    def __init__(self, locale: Locale, templates: Mapping[str, str]) -> None:
        self._bundle = FluentBundle([str(locale).replace("_", "-")],
                                    use_isolating=locale.language in RIGHT_TO_LEFT)
        source = "".join(_source(f"t{index}", template)
                         for index, template in enumerate(templates.values()))
        self._bundle.add_resource(FluentResource(source))
        self._ids = {key: f"t{index}" for index, key in enumerate(templates)}

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def fill(self, key: str, values: Mapping[str, object]) -> str:
        """Template `key` with `values` (text as given, whole numbers without grouping:
        "#1234", not "#1,234"); a value it lacks reads as its name, never an exception."""
        pattern = self._bundle.get_message(self._ids[key]).value
        assert pattern is not None
        arguments = {name: _argument(value) for name, value in values.items()}
        text, _errors = self._bundle.format_pattern(pattern, arguments)
        return str(text)


def _argument(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fluent_number(value, useGrouping=False)
    return str(value)
