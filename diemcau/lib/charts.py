"""Charts as PNG images for official documents: matplotlib with the Agg backend, no network.

The font is Liberation Serif (the metric twin of Times New Roman, with
Vietnamese glyphs) when installed, else DejaVu Sans; numbers on the axes use
the Vietnamese grouping (1.000.000) and decimal comma.
"""

from __future__ import annotations

import io
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

FONTS = ("Liberation Serif", "DejaVu Serif", "DejaVu Sans")
# Greys and one accent: documents are often printed in black and white.
COLOURS = ["#1f4e79", "#7f7f7f", "#c00000", "#bfbfbf", "#2e75b6", "#404040"]


@cache
def font_family() -> str:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in FONTS if f in names), "DejaVu Sans")


def _vn_number(value, _pos=None) -> str:
    text = f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def bar_chart(categories: list[str], series: dict[str, list[float]], *, title: str = "", ylabel: str = "",
              stacked: bool = True, horizontal: bool = False, width_in: float = 6.3, height_in: float = 3.2,
              colours: list[str] | None = None, percent: bool = False) -> bytes:
    """A bar chart (stacked by default) as PNG bytes at 200 dpi."""
    with plt.rc_context({"font.family": font_family(), "font.size": 10, "axes.spines.top": False,
                         "axes.spines.right": False}):
        fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=200)
        colours = colours or COLOURS
        positions = list(range(len(categories)))
        base = [0.0] * len(categories)
        n = max(len(series), 1)
        bar = 0.7 if stacked else 0.8 / n
        for index, (label, values) in enumerate(series.items()):
            offset = [p + (0 if stacked else (index - (n - 1) / 2) * bar) for p in positions]
            draw = ax.barh if horizontal else ax.bar
            kwargs = {"left" if horizontal else "bottom": base} if stacked else {}
            draw(offset, values, bar, label=label, color=colours[index % len(colours)], **kwargs)
            if stacked:
                base = [b + v for b, v in zip(base, values, strict=True)]
        axis_cat, axis_val = (ax.yaxis, ax.xaxis) if horizontal else (ax.xaxis, ax.yaxis)
        axis_cat.set_ticks(positions)
        axis_cat.set_ticklabels(categories, rotation=0 if horizontal or len(categories) <= 5 else 20,
                                ha="right" if not horizontal and len(categories) > 5 else "center" if not horizontal
                                else "right")
        axis_val.set_major_formatter(FuncFormatter(lambda v, p: _vn_number(v, p) + ("%" if percent else "")))
        if horizontal:
            ax.invert_yaxis()
            ax.set_xlabel(ylabel)
        else:
            ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title, fontsize=11, fontweight="bold")
        if len(series) > 1:
            ax.legend(frameon=False, fontsize=9, loc="best")
        ax.grid(axis="x" if horizontal else "y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        plt.close(fig)
        return out.getvalue()
