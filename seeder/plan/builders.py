"""Per-entity record builders: the planner's hot path, generated once per entity.

:meth:`Planner.create <seeder.plan.planner.Planner.create>` is generic: it loops
over an entity's compiled draws, then builds the item from the entity's field
lists. For the common case (no forced field) each entity gets a function of its
own instead, generated as Python source when the planner is built: its fields
drawn in their fixed order, one statement each, and its body, references,
dependencies and key built without a loop over field lists. Draws that say how
(``__inline__``: an expression template and the names it uses) are written into
the function as expressions, so a ``fake`` field under ``null_weight`` costs one
expression and no call through two wrapper closures.

The builders make exactly the items :meth:`Planner.create` makes (the same draws in
the same order: ``tests/plan/test_builders.py`` compares them), only faster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seeder.errors import PlanError, SeederError
from seeder.plan.items import PlanItem
from seeder.providers import Row
from seeder.providers.base import Draw, inline

__all__ = ["Builder", "build_entity", "flatten", "inline"]

# parent index (or None), the index within the parent -> the new instance's index
Builder = Callable[[int | None, int], int]


def _expr(draw: Draw, prefix: str, names: dict[str, Any]) -> str:
    """The expression computing ``draw(row)``, the names it needs put in ``names``."""
    spec = getattr(draw, "__inline__", None)
    if spec is None:
        names[prefix + "d"] = draw
        return f"{prefix}d(row)"
    template, env = spec
    assert isinstance(template, str)
    fill = {"p": prefix}
    for name, value in env.items():
        if name == "inner":
            fill["inner"] = _expr(value, prefix + "i", names)
        else:
            names[prefix + name] = value
    return "(" + template.format(**fill) + ")"


def flatten(draw: Draw) -> Draw:
    """``draw`` as one function without its inlinable wrapper layers (itself if it
    has none)."""
    if getattr(draw, "__inline__", None) is None:
        return draw
    names: dict[str, Any] = {}
    expr = _expr(draw, "_", names)
    source = f"def flat(row):\n    return {expr}\n"
    code = compile(source, "<seeder flat draw>", "exec")
    exec(code, names)  # source made here from the draws' fixed templates
    return names["flat"]  # type: ignore[no-any-return]


def _literal(text: str) -> str:
    return repr(text)


def build_entity(planner: Any, ep: Any, child_task: type, sink: Any = None) -> Builder:
    """The builder of ``ep``'s instances (an ``_EntityPlan`` of ``planner``; none
    forced): the same item :meth:`Planner.create` makes, in one generated
    function. ``child_task`` is the planner's ChildTask. With a ``sink`` (a
    :class:`~seeder.plan.commandlog.JsonlCommandLog`), the item is not made: its
    line of the command log is added to the sink's pending lines."""
    names: dict[str, Any] = {
        "ChildTask": child_task,
        "Row": Row,
        "PlanItem": PlanItem,
        "store": ep.store,
        "planner": planner,
        "out_append": planner.out.append,
        "tasks_append": planner.tasks.append,
        "failed": failed_draw,
    }
    lines = [
        "def build(parent, i):",
        "    idx = store.count",
        "    store.count = idx + 1",
        "    row = Row(idx + 1, i or idx + 1)",
        "    values = row.values",
        "    links = row.links",
        "    if parent is not None:",
        "        links['parent'] = parent",
        "    fname = ''",
        "    try:",
    ]
    for k, (fname, draw) in enumerate(ep.steps):
        expr = _expr(draw, f"s{k}_", names)
        lines.append(f"        fname = {_literal(fname)}")
        lines.append(f"        values[{_literal(fname)}] = {expr}")
    if not ep.steps:
        lines.append("        pass")
    lines += [
        "    except BaseException as exc:",
        f"        failed(exc, {_literal(ep.name)}, fname, idx)",
        "        raise",
    ]
    if ep.records:
        lines.append("    store.record(idx, row)")
    else:
        lines.append("    store.done += 1")
    # the body: its fields, then each reference field that holds no placeholder
    body = ", ".join(f"{_literal(f)}: values[{_literal(f)}]" for f in ep.body_fields)
    lines.append(f"    body = {{{body}}}")
    lines.append("    refs = {}")
    for f in ep.ref_fields:
        lines += [
            f"    v = values[{_literal(f)}]",
            "    if v is None:",
            f"        body[{_literal(f)}] = None",
            "    else:",
            f"        refs[{_literal(f)}] = v",
        ]
    lines.append("    deps = []")
    seen_targets: set[str] = set()
    for f, target in ep.links_of:
        prefix = _literal(f"{target}:")
        lines += [f"    link = links.get({_literal(f)})", "    if link is not None:"]
        if target in seen_targets:  # two links to one target: one dependency
            lines += [
                f"        dep = {prefix} + str(link + 1)",
                "        if dep not in deps:",
                "            deps.append(dep)",
            ]
        else:
            lines.append(f"        deps.append({prefix} + str(link + 1))")
        seen_targets.add(target)
    if ep.ordered:  # instance idx - 1 is the previous sibling
        lines += ["    if row.i > 1:", f"        deps.append({_literal(ep.name + ':')} + str(idx))"]
    if ep.actor_target is not None:
        actor_prefix = _literal(ep.actor_target + ":")
        lines += [
            "    link = links.get('actor')",
            f"    actor = None if link is None else {actor_prefix} + str(link + 1)",
        ]
    else:
        lines.append("    actor = None")
    lines += [
        f"    key = {_literal(ep.name + ':')} + str(idx + 1)",
        "    seq = planner.seq + 1",
        "    planner.seq = seq",
    ]
    if sink is None:
        lines.append(
            f"    out_append(PlanItem(seq, key, {_literal(ep.name)}, {_literal(ep.command)}, "
            f"body, refs, deps, actor, {_literal(ep.key_prefix)} + key, links))"
        )
    else:
        lines += _line_of(ep, sink, names)
    for k, (child, count_draw) in enumerate(ep.children):
        names[f"c{k}_count"] = count_draw
        names[f"c{k}_name"] = child
        lines += [
            f"    count = c{k}_count()",
            "    if count:",
            f"        tasks_append(ChildTask(c{k}_name, idx, count))",
        ]
    lines.append("    return idx")
    source = "\n".join(lines) + "\n"
    code = compile(source, f"<seeder builder of {ep.name}>", "exec")
    exec(code, names)  # source made here: the model's names appear only quoted
    return names["build"]  # type: ignore[no-any-return]


def _line_of(ep: Any, sink: Any, names: dict[str, Any]) -> list[str]:
    """The statements adding the item's line to ``sink``'s pending lines: the
    record of :meth:`JsonlCommandLog.write <seeder.plan.commandlog.JsonlCommandLog>`,
    keys in the same order."""
    import orjson

    method, path = sink.http_of(ep.name)
    names.update(
        dumps=orjson.dumps,
        OPT=orjson.OPT_APPEND_NEWLINE,
        slow_line=sink.slow_line,
        pending=sink.pending,
        pending_append=sink.pending.append,
        flush=sink.flush_pending,
        METHOD=method,
        PATH=path,
    )
    head = (
        f'"seq": seq, "key": key, "command": {_literal(ep.command)}, "method": METHOD, '
        '"path": PATH, "body": body, "refs": refs, "deps": deps'
    )
    tail = f'"idempotency_key": {_literal(ep.key_prefix)} + key'
    out = []
    if ep.actor_target is not None:
        out += [
            "    if actor is None:",
            f"        record = {{{head}, {tail}}}",
            "    else:",
            f'        record = {{{head}, "actor": actor, {tail}}}',
        ]
    else:
        out.append(f"    record = {{{head}, {tail}}}")
    return [
        *out,
        "    try:",
        "        pending_append(dumps(record, option=OPT))",
        "    except TypeError:",
        "        pending_append(slow_line(record))",
        "    if len(pending) >= 256:",
        "        flush()",
    ]


def failed_draw(exc: BaseException, entity: str, fname: str, idx: int) -> None:
    """What :meth:`Planner.create` says of a draw that failed (raises, or returns
    for the builder to re-raise ``exc`` as it is)."""
    if isinstance(exc, PlanError):
        if exc.entity is None:  # located at the field being drawn
            exc.entity, exc.field = entity, fname or None
        return
    if isinstance(exc, SeederError) or not isinstance(exc, Exception):
        return
    raise PlanError(
        f"{entity}.{fname}: {type(exc).__name__}: {exc} at item {entity}:{idx + 1}; "
        "check the provider's arguments and the fields it reads",
        entity=entity,
        field=fname,
    ) from exc
