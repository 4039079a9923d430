"""axe-core in the browser tests: a page's serious and critical accessibility violations.

axe-core is vendored from the npm registry (vendor/axe-core, see its README) and injected
into the page under test; the context must be made with ``bypass_csp=True`` because the
console's Content-Security-Policy allows no script but its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
RUN = """async (failing) => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter(v => failing.includes(v.impact))
    .map(v => `${v.impact} ${v.id}: ${v.help}; at ` +
      v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def serious_violations(page: Page) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return list(page.evaluate(RUN, list(FAILING)))
