"""The Order screen's self-service hooks: "Did this page answer your question?" and the tracking links.

    OrderScreen.build ─▶ FeedbackSection.below(timeline)       the Yes / No row under the timeline
    OrderScreen link ─▶ FeedbackSection.link_opened(...)       "Track on …" counts as a link opened
    OrderScreen copy ─▶ FeedbackSection.number_copied(...)     a copied tracking number

Every click goes to the model (:class:`SelfServiceModel`, ``app.state.UsageState``), which records it off the UI
loop on this device only. Without a model (a shell built outside the app) nothing is asked.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import flet as ft

log = logging.getLogger(__name__)

QUESTION = "Did this page answer your question?"
THANKS = "Thanks for telling us."
YES_TIP = "Yes, this page answered my question"
NO_TIP = "No, I still have a question"


class SelfServiceModel(Protocol):
    """The app's own metrics the Order screen feeds: feedback answers, tracking links opened, numbers copied.

    Recording is fire-and-forget off the UI loop (kept on this device only); a failure is logged,
    never shown.
    """

    def feedback_for(self, order_number: str) -> bool | None:
        """Return this session's answer to "Did this page answer your question?" for an order (None: none)."""
        ...

    async def answer_feedback(self, order_number: str, helpful: bool) -> None:
        """Record the answer for an order (once per order per session; later answers are ignored)."""
        ...

    async def tracking_link_opened(self, order_number: str, carrier: str) -> None:
        """Record that the customer opened a shipment's tracking page."""
        ...

    async def tracking_number_copied(self, order_number: str, carrier: str) -> None:
        """Record that the customer copied a tracking number."""
        ...


class FeedbackSection:
    """Builds the feedback row of the open order and forwards the screen's self-service clicks."""

    def __init__(self, model: SelfServiceModel | None = None) -> None:
        """Keep the model; the composition root sets :attr:`model` when the shell is built without it."""
        self.model = model
        self._slot: ft.Container | None = None
        self._number: str | None = None

    # ------------------------------------------------------------------ the question

    def below(self, timeline: ft.Control, order_number: str) -> ft.Control:
        """Return ``timeline`` with the feedback row under it (``timeline`` alone without a model)."""
        if self.model is None:
            return timeline
        return ft.Column(
            [timeline, self.build(order_number)],
            spacing=8,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )

    def build(self, order_number: str) -> ft.Control:
        """Return the compact question row, or the thanks once this session answered for the order."""
        self._number = order_number
        answered = self.model.feedback_for(order_number) if self.model is not None else None
        self._slot = ft.Container(
            self._thanks() if answered is not None else self._question(order_number),
            padding=ft.Padding.symmetric(horizontal=4, vertical=2),
        )
        return self._slot

    def _question(self, order_number: str) -> ft.Control:
        # wrap=True: no child may expand (Flutter web paints a grey box for expanded children of a Wrap)
        return ft.Row(
            [
                ft.Icon(ft.Icons.HELP_OUTLINE, size=18, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(QUESTION, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.OutlinedButton(
                    "Yes",
                    icon=ft.Icons.THUMB_UP_OUTLINED,
                    tooltip=YES_TIP,
                    on_click=self._answer(order_number, True),
                ),
                ft.OutlinedButton(
                    "No",
                    icon=ft.Icons.THUMB_DOWN_OUTLINED,
                    tooltip=NO_TIP,
                    on_click=self._answer(order_number, False),
                ),
            ],
            spacing=8,
            wrap=True,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )

    @staticmethod
    def _thanks() -> ft.Control:
        return ft.Row(
            [
                ft.Icon(ft.Icons.CHECK_CIRCLE_OUTLINE, size=18, color=ft.Colors.PRIMARY),
                ft.Text(THANKS, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )

    def _answer(self, order_number: str, helpful: bool) -> Any:
        async def answer(_: Any) -> None:
            model = self.model
            if model is None:
                return
            await model.answer_feedback(order_number, helpful)
            slot = self._slot
            if slot is None or self._number != order_number:
                return  # the screen moved on; the next build shows the thanks from the model
            slot.content = self._thanks()
            try:
                slot.update()
            except RuntimeError:  # not on a page (any more): the next build shows it
                log.debug("feedback row not mounted", exc_info=True)

        return answer

    # ------------------------------------------------------------------ links and copies

    async def link_opened(self, order_number: str | None, carrier: str) -> None:
        """Record an opened "Track on …" link of ``order_number`` (the browser opens the URL itself)."""
        if self.model is not None and order_number:
            await self.model.tracking_link_opened(order_number, carrier)

    async def number_copied(self, order_number: str | None, carrier: str) -> None:
        """Record a copied tracking number of ``order_number``."""
        if self.model is not None and order_number:
            await self.model.tracking_number_copied(order_number, carrier)
