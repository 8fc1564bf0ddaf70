"""Draw the app icon and splash (assets/icon.png, assets/splash.png): a parcel on a delivery route.

    .venv/bin/python scripts/draw_app_icon.py

icon.png is the mark on a transparent canvas: `flet build` frames it per platform and fills the
background with [tool.flet].icon_background (Android adaptive icon, iOS, macOS). splash.png is the
same mark on the brand tile, for the light splash screen. Drawn at 4x and scaled down (anti-aliasing).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 1024
SCALE = 4
BRAND = (14, 90, 138, 255)  # #0E5A8A, [tool.flet].icon_background
BRAND_DEEP = (9, 60, 97, 255)
PARCEL = (255, 255, 255, 255)
PARCEL_SHADE = (214, 228, 239, 255)
TAPE = (245, 166, 35, 255)  # the route and the tape: amber
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def _s(*values: float) -> list[float]:
    return [v * SCALE for v in values]


def draw_mark(draw: ImageDraw.ImageDraw) -> None:
    """A route (dotted arc ending in a pin) carrying an isometric parcel."""
    # Route: dots from bottom-left around to the pin at top-right.
    route = [(220, 820), (275, 790), (330, 770), (390, 760)]
    for x, y in route:
        r = 20
        draw.ellipse(_s(x - r, y - r, x + r, y + r), fill=TAPE)
    # Pin at top right.
    cx, cy, r = 770, 245, 82
    draw.ellipse(_s(cx - r, cy - r, cx + r, cy + r), fill=TAPE)
    draw.polygon(_s(cx - 62, cy + 52, cx + 62, cy + 52, cx, cy + 170), fill=TAPE)
    draw.ellipse(_s(cx - 32, cy - 32, cx + 32, cy + 32), fill=BRAND_DEEP)
    # Parcel: isometric box, centre-left.
    top = [(512, 330), (742, 445), (512, 560), (282, 445)]
    left = [(282, 445), (512, 560), (512, 810), (282, 695)]
    right = [(512, 560), (742, 445), (742, 695), (512, 810)]
    draw.polygon([c for p in left for c in _s(*p)], fill=PARCEL)
    draw.polygon([c for p in right for c in _s(*p)], fill=PARCEL_SHADE)
    draw.polygon([c for p in top for c in _s(*p)], fill=PARCEL)
    # Tape across the top and down the front-left face.
    draw.polygon([c for p in [(382, 380), (432, 355), (662, 470), (612, 495)] for c in _s(*p)], fill=TAPE)
    draw.polygon([c for p in [(612, 495), (662, 470), (662, 520), (612, 545)] for c in _s(*p)], fill=TAPE)
    # Crisp edge between the top and the faces.
    draw.line([c for p in [(282, 445), (512, 560), (742, 445)] for c in _s(*p)], fill=PARCEL_SHADE, width=6 * SCALE)


def render(tile: bool) -> Image.Image:
    """Return the mark, on the brand tile when `tile` is true, else on transparency."""
    big = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    if tile:
        draw.rounded_rectangle(_s(64, 64, SIZE - 64, SIZE - 64), radius=200 * SCALE, fill=BRAND)
    draw_mark(draw)
    return big.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    """Write both images."""
    ASSETS.mkdir(exist_ok=True)
    render(tile=False).save(ASSETS / "icon.png", optimize=True)
    render(tile=True).save(ASSETS / "splash.png", optimize=True)


if __name__ == "__main__":
    main()
