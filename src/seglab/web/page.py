"""The single HTML page of `seglab serve`: upload an image, see the overlay, legend and shares.

Plain HTML, CSS and a little JavaScript calling `POST /predict`, kept in Python so the package
needs no data files. Class names reach the page only through `textContent`, never as HTML.
"""

from __future__ import annotations

import html

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .muted { color: #666; font-size: .9rem; }
  form { margin: 1.2rem 0; display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; }
  #error { color: #a00; font-weight: 600; }
  .images { display: flex; gap: 1.2rem; flex-wrap: wrap; }
  figure { margin: 0; }
  figure img { max-width: 30rem; max-height: 30rem; min-width: 12rem;
               image-rendering: pixelated; border: 1px solid #ccc; }
  figcaption { font-size: .9rem; color: #444; }
  table { border-collapse: collapse; margin: 1rem 0; }
  td, th { padding: .25rem .7rem; text-align: left; border-bottom: 1px solid #eee; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .swatch { display: inline-block; width: 1rem; height: 1rem; border: 1px solid #888; vertical-align: middle; }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<p class="muted">Upload a PNG, JPEG, WebP, TIFF or BMP image to segment it (up to __MAX_MB__ MiB and __MAX_PIXELS__ pixels).
  JSON API: <code>POST /predict</code>, documented at <a href="/docs">/docs</a>.</p>
<form id="upload">
  <input type="file" id="file" name="file" accept="image/png,image/jpeg,image/webp,image/tiff,image/bmp,image/gif,.npy" required>
  <button type="submit" id="submit">Segment</button>
  <span id="status" role="status" class="muted"></span>
</form>
<p id="error" role="alert" hidden></p>
<section id="result" hidden>
  <div class="images">
    <figure><img id="input-image" alt="uploaded image"><figcaption>Image</figcaption></figure>
    <figure><img id="overlay" alt="predicted mask overlay"><figcaption>Predicted mask overlay</figcaption></figure>
  </div>
  <table id="legend" aria-label="class legend">
    <thead><tr><th>colour</th><th>class</th><th>share of pixels</th><th>pixels</th></tr></thead>
    <tbody></tbody>
  </table>
  <a id="download" download="mask.png">Download mask PNG</a>
  <span class="muted">(palette PNG: pixel values are class indices)</span>
</section>
<script>
const form = document.getElementById("upload");
const fileInput = document.getElementById("file");
const statusLine = document.getElementById("status");
const errorLine = document.getElementById("error");
const result = document.getElementById("result");

function showError(message) {
  errorLine.textContent = message;
  errorLine.hidden = false;
  result.hidden = true;
}

function legendRow(item) {
  const row = document.createElement("tr");
  row.className = "legend-item";
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.background = `rgb(${item.colour.join(",")})`;
  const cells = [swatch, item.name, (100 * item.share).toFixed(1) + " %", String(item.pixels)];
  cells.forEach((value, i) => {
    const cell = document.createElement("td");
    if (i >= 2) cell.className = "num";
    if (value instanceof Node) cell.appendChild(value); else cell.textContent = value;
    row.appendChild(cell);
  });
  return row;
}

async function segment() {
  const file = fileInput.files[0];
  if (!file) { showError("Choose an image first."); return; }
  errorLine.hidden = true;
  statusLine.textContent = "Segmenting " + file.name + " ...";
  const body = new FormData();
  body.append("file", file);
  let response, payload;
  try {
    response = await fetch("predict", { method: "POST", body: body });
    payload = await response.json();
  } catch (err) {
    statusLine.textContent = "";
    showError("The server did not answer: " + err);
    return;
  }
  statusLine.textContent = "";
  if (!response.ok) {
    const detail = typeof payload.detail === "string" ? payload.detail : JSON.stringify(payload.detail);
    showError(`Error ${response.status}: ${detail}`);
    return;
  }
  document.getElementById("input-image").src = "data:image/png;base64," + payload.image_png;
  document.getElementById("overlay").src = "data:image/png;base64," + payload.overlay_png;
  const download = document.getElementById("download");
  download.href = "data:image/png;base64," + payload.mask_png;
  download.download = file.name.replace(/\\.[^.]*$/, "") + "_mask.png";
  const rows = document.querySelector("#legend tbody");
  rows.replaceChildren(...payload.classes.map(legendRow));
  statusLine.textContent = `${payload.width}x${payload.height} pixels`;
  result.hidden = false;
}

form.addEventListener("submit", (event) => { event.preventDefault(); segment(); });
fileInput.addEventListener("change", () => { if (fileInput.files.length) segment(); });
</script>
</body>
</html>
"""


def render_page(title: str, max_bytes: int, max_pixels: int) -> str:
    """The upload page with the server's title and limits filled in."""
    return (
        _PAGE.replace("__TITLE__", html.escape(title))
        .replace("__MAX_MB__", f"{max_bytes / 2**20:g}")
        .replace("__MAX_PIXELS__", f"{max_pixels:,}")
    )
