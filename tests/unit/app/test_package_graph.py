"""Issue 16 item 7: the packages form no import cycle, counting imports inside functions.

The graph is built with grimp (import-linter's own engine) over ``meldpunt`` and ``workers``. Each node is a
package (``meldpunt.intake``), a top-level module (``meldpunt.web``), the factory (``meldpunt``) or ``workers``.
Imports under ``if TYPE_CHECKING:`` are annotations only and are left out, as ``make check`` does.
"""

from __future__ import annotations

from collections import defaultdict

import grimp


def _node(module: str) -> str:
    parts = module.split(".")
    return "workers" if parts[0] == "workers" else ".".join(parts[:2])


def package_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("meldpunt", "workers", exclude_type_checking_imports=True)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] in ("meldpunt", "workers") and _node(module) != _node(imported):
                edges[_node(module)].add(_node(imported))
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of nodes (first == last), or None when the graph is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_item_07_no_import_cycle_between_packages():
    edges = package_graph()
    assert len(edges) > 20, sorted(edges)  # the graph really was built
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_item_07_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None


def test_item_02_the_signals_core_imports_no_domain_above_it():
    above = {"meldpunt." + name for name in (
        "intake", "triage", "cases", "meetings", "feedback", "approvals", "reports", "retention", "channels",
        "threats", "admin", "grants", "resilience", "web", "models", "cli")}
    assert not package_graph()["meldpunt.signals"] & above
