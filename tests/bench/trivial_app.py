"""The floor of the browser benchmarks: a trivial Flet app served exactly as the app is served.

    python -m tests.bench.trivial_app --port P

It goes through ``app.web_server.serve_web`` (the launch guard, the token link printed at start,
the offline Flutter client), so its first frame costs what any Flet page costs here, and a
keystroke in its one text field makes the same round trip as a keystroke in the order search:
browser -> server handler -> a text on screen changes. Its "Show rows" button puts ROWS plain text
rows on screen (the floor of opening an order with 200+ timeline entries); "Hide rows" takes them away.
"""

from __future__ import annotations

import argparse

import flet as ft

from app.web_server import serve_web

TITLE = "Trivial"
HELLO = "Hello from a trivial app"
ROWS = 205
SHOWN = f"{ROWS} rows shown"


async def main(page: ft.Page) -> None:
    """One heading-like text, one text field, and a line that counts what was typed."""
    page.title = TITLE
    count = ft.Text("0 characters typed")

    def typed(e: ft.Event[ft.TextField]) -> None:
        count.value = f"{len(e.control.value or '')} characters typed"
        page.update()

    rows = ft.Column(scroll=ft.ScrollMode.AUTO, expand=True)

    def show(e: ft.Event[ft.Button]) -> None:
        rows.controls = [ft.Text(SHOWN, size=16)] + [
            ft.Text(f"2026-11-{1 + i % 28:02d} 10:{i % 60:02d}  in_transit  Sorting scan {i + 1}  Hub, DE")
            for i in range(ROWS)
        ]
        page.update()

    def hide(e: ft.Event[ft.Button]) -> None:
        rows.controls = []
        page.update()

    page.add(
        ft.Text(HELLO, size=20),
        ft.TextField(label="Type here", on_change=typed),
        count,
        ft.Row([ft.Button("Show rows", on_click=show), ft.Button("Hide rows", on_click=hide)]),
        rows,
    )


def run() -> None:
    """Serve the trivial app on loopback (same server path as ``ordertrack run --web``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve_web(main, host="127.0.0.1", port=args.port, title=TITLE)


if __name__ == "__main__":
    run()
