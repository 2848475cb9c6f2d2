"""Renders partition maps (map.svg) in headless Chromium and checks each render.

    render_maps.py [--chromium PATH] SVG=PNG [SVG=PNG ...]

All maps are stacked in one HTML page and rendered with one browser start
(one start costs about a second; the maps of every example take one). The
screenshot is cut back into one image per map, each checked: it must have the
SVG's size, not be blank (enough non-white pixels, several colours, dark text),
and show the SVG rather than a broken-image icon. PNG may be `-` to check
without writing. Prints one line per map; exits 1 if any check fails.
"""

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

from PIL import Image


def svg_size(path):
    with open(path, encoding="utf-8") as handle:
        head = handle.read(4096)
    match = re.search(r'<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"', head)
    if not match:
        raise SystemExit(f"{path}: no width/height on the <svg> element")
    return int(match.group(1)), int(match.group(2))


def check(image, name):
    """Problems with one rendered map (empty when it looks like a map)."""
    problems = []
    pixels = image.convert("RGB")
    width, height = pixels.size
    colours = pixels.getcolors(maxcolors=1 << 16) or []
    total = width * height
    white = sum(count for count, colour in colours if colour == (255, 255, 255))
    dark = sum(count for count, colour in colours if sum(colour) < 200)
    distinct = len([1 for count, _ in colours if count >= 4])
    if total - white < total // 50:
        problems.append(f"{name}: blank ({total - white} of {total} pixels not white)")
    if dark < 200:
        problems.append(f"{name}: no text ({dark} dark pixels)")
    if distinct < 4:
        problems.append(f"{name}: only {distinct} colours")
    return problems, {"non_white": (total - white) / total, "colours": len(colours)}


def main(argv):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if argv[:1] == ["--chromium"]:
        chromium, argv = argv[1], argv[2:]
    if not chromium:
        print("render_maps: chromium not found (scripts/ensure-deps.sh test installs it)")
        return 2
    pairs = [item.split("=", 1) for item in argv]
    work = tempfile.mkdtemp(prefix="mkpolicy-maps-")
    try:
        sizes = []
        parts = []
        top = 0
        for index, (svg, _) in enumerate(pairs):
            width, height = svg_size(svg)
            shutil.copyfile(svg, os.path.join(work, f"{index}.svg"))
            sizes.append((top, width, height))
            parts.append(
                f'<img src="{index}.svg" width="{width}" height="{height}" '
                f'alt="{html.escape(svg)}" style="display:block;margin:0">'
            )
            top += height
        page = os.path.join(work, "maps.html")
        with open(page, "w", encoding="utf-8") as handle:
            handle.write(
                "<!doctype html><html><body style=\"margin:0;background:#fff\">"
                + "".join(parts)
                + "</body></html>"
            )
        shot = os.path.join(work, "maps.png")
        width = max(size[1] for size in sizes)
        result = subprocess.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--force-device-scale-factor=1",
                f"--user-data-dir={os.path.join(work, 'profile')}",
                f"--window-size={width},{top}", f"--screenshot={shot}",
                "file://" + page,
            ],
            capture_output=True, text=True, timeout=120,
        )
        if result.returncode != 0 or not os.path.exists(shot):
            print(f"render_maps: chromium failed ({result.returncode}): {result.stderr[-2000:]}")
            return 1
        screenshot = Image.open(shot)
        screenshot.load()
        if screenshot.size[0] < width or screenshot.size[1] < top:
            print(f"render_maps: screenshot is {screenshot.size}, wanted {width}x{top}")
            return 1
        failures = []
        for (svg, png), (offset, map_width, map_height) in zip(pairs, sizes):
            image = screenshot.crop((0, offset, map_width, offset + map_height))
            problems, stats = check(image, svg)
            failures += problems
            print(
                f"{svg}: {map_width}x{map_height}, {stats['non_white']:.1%} not white, "
                f"{stats['colours']} colours" + (" FAIL" if problems else "")
            )
            if png != "-" and not problems:
                image.convert("RGB").save(png, optimize=True)
        for problem in failures:
            print(problem)
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
