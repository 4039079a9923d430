"""Layout checks of the console's browser tests: nothing outside its card, no "None"."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

SIZES = [(1440, 900), (1024, 768), (768, 1024), (390, 844)]
# Cards wider inside than out, and controls that reach past the card they sit in.
CONTROLS = "input:not([type=hidden]), select, textarea, button, td, th"
MISFITS = """(controls) => {
  const out = [];
  for (const card of document.querySelectorAll("main .card")) {
    if (card.scrollWidth > card.clientWidth + 1) {
      out.push(`card ${card.scrollWidth}>${card.clientWidth}: ${card.innerText.slice(0, 40)}`);
    }
    const box = card.getBoundingClientRect();
    for (const el of card.querySelectorAll(controls)) {
      const r = el.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) {
        out.push(`${el.tagName}#${el.id} ${r.left}-${r.right} outside ${box.left}-${box.right}`);
      }
    }
  }
  return out;
}"""
# Every word "None" on the page: its text, and the values and hints of its controls.
NONE_WORDS = """() => [document.body.innerText,
  ...Array.from(document.querySelectorAll("input, textarea, select, option"))
    .map(el => `${el.value || ""} ${el.placeholder || ""} ${el.title || ""}`)]
  .filter(text => /\\bNone\\b/.test(text)).map(text => text.slice(0, 200))"""


def misfits(page: Page) -> list[str]:
    """Cards that scroll sideways and controls or cells that reach past their card."""
    return list(page.evaluate(MISFITS, CONTROLS))


def none_words(page: Page) -> list[str]:
    """Every "None" on the page, in its text or its controls' values and hints."""
    return list(page.evaluate(NONE_WORDS))
