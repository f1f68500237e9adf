// The Playground's hover preview: hovering a neuron's heatmap in the view (the
// picture while playing, the Plotly chart while paused) draws that heatmap large over
// the output surface, with the points on top, as TensorFlow Playground does; leaving
// it shows the surface again. While playing, hovering a link or a neuron also shows a
// label with its weight or bias in the frame on screen, as the paused chart's own
// labels do; the frame's values are JSON text in a hidden element of the view
// (`ui.playground.hover.show_values`). It only paints over the page (no events reach
// the server, clicks pass through), so nothing reruns and nothing moves.
// `data` is `ui.playground.figures.hover_layout`.

const VIEW = ".st-key-playground-view";
const TITLE_STRIP = 26; // pixels above the surface that hold its title
const MARGIN = 3; // pixels beside the surface the title may use (the axis labels lie further out)
const VALUES = ".playground-values";
const LINK_REACH = 8; // pixels from a link's target within which the label shows its weight

function install() {
  const hover = { layout: null, tile: null, point: null };
  const canvas = document.createElement("canvas");
  canvas.setAttribute("data-testid", "playgroundHoverPreview");
  Object.assign(canvas.style, {
    position: "fixed",
    pointerEvents: "none",
    display: "none",
    zIndex: "1000",
  });
  document.body.appendChild(canvas);
  // The label of a hovered link or neuron while playing, styled like the chart's.
  const label = document.createElement("div");
  label.setAttribute("data-testid", "playgroundHoverLabel");
  Object.assign(label.style, {
    position: "fixed",
    pointerEvents: "none",
    display: "none",
    zIndex: "1001",
    padding: "3px 6px",
    borderRadius: "2px",
    lineHeight: "1.3",
    whiteSpace: "nowrap",
  });
  document.body.appendChild(label);
  const copy = document.createElement("canvas");
  const sources = new Map(); // the paused chart's picture, decoded once per data URL

  // The view's picture (an image while playing, or the chart's picture decoded),
  // whether it can be drawn from yet, its box on screen and whether it is playing; or null.
  function picture() {
    const view = document.querySelector(VIEW);
    if (!view || !hover.layout) return null;
    const image = view.querySelector("[data-testid=stImage] img");
    if (image) {
      const ready = image.complete && image.naturalWidth === hover.layout.width;
      return { source: image, ready, box: image.getBoundingClientRect(), playing: true };
    }
    const chart = view.querySelector(".js-plotly-plot");
    const svgImage = chart && chart.querySelector("image");
    if (!svgImage) return null;
    const url = svgImage.getAttribute("href") || svgImage.getAttribute("xlink:href");
    let source = sources.get(url);
    if (!source) {
      sources.clear();
      source = new Image();
      source.onload = () => paint();
      source.src = url;
      sources.set(url, source);
    }
    return { source, ready: source.complete && source.naturalWidth > 0, box: chart.getBoundingClientRect() };
  }

  function tileAt(clientX, clientY) {
    const shown = picture();
    if (!shown) return null;
    const scale = shown.box.width / hover.layout.width;
    const x = (clientX - shown.box.left) / scale;
    const y = (clientY - shown.box.top) / scale;
    return hover.layout.tiles.find((t) => x >= t.x && x < t.x + t.size && y >= t.y && y < t.y + t.size) || null;
  }

  function hide() {
    hover.tile = null;
    canvas.style.display = "none";
  }

  // The link or neuron under the pointer on the playing picture: a neuron's square,
  // else the nearest link target within reach; or null. Paused, the chart labels them.
  function itemAt(clientX, clientY) {
    const shown = picture();
    if (!shown || !shown.playing || !hover.layout.links) return null;
    const scale = shown.box.width / hover.layout.width;
    const x = (clientX - shown.box.left) / scale;
    const y = (clientY - shown.box.top) / scale;
    const inside = (n) => Math.abs(x - n.x) <= n.size / 2 && Math.abs(y - n.y) <= n.size / 2;
    const neuron = hover.layout.neurons.findIndex(inside);
    if (neuron >= 0) return { kind: "bias", index: neuron };
    let best = null;
    let bestDistance = LINK_REACH;
    hover.layout.links.forEach((link, index) => {
      const distance = Math.hypot(x - link.x, y - link.y);
      if (distance <= bestDistance) [best, bestDistance] = [index, distance];
    });
    return best === null ? null : { kind: "weight", index: best };
  }

  // The weights and biases of the frame on screen, parsed once per frame.
  function frameValues() {
    const element = document.querySelector(`${VIEW} ${VALUES}`);
    const text = element ? element.textContent : "";
    if (text !== hover.valuesText) {
      hover.valuesText = text;
      try {
        hover.values = text ? JSON.parse(text) : null;
      } catch {
        hover.values = null;
      }
    }
    return hover.values;
  }

  function paintLabel() {
    const item = hover.item;
    const values = item && frameValues();
    const value = values && (item.kind === "bias" ? values.biases : values.weights)[item.index];
    if (value === undefined || value === null || !hover.point) {
      label.style.display = "none";
      return;
    }
    const name = (item.kind === "bias" ? hover.layout.neurons : hover.layout.links)[item.index].name;
    label.replaceChildren(document.createTextNode(name), document.createElement("br"), `${item.kind} ${value}`);
    const style = hover.layout.label;
    Object.assign(label.style, {
      display: "block",
      background: style.background,
      border: `1px solid ${style.border}`,
      color: style.color,
      fontSize: `${style.size}px`,
      fontFamily: getComputedStyle(document.body).fontFamily,
    });
    const [x, y] = hover.point;
    const { width, height } = label.getBoundingClientRect();
    // Beside the pointer, on the left where the right has no room.
    const left = x + 14 + width > window.innerWidth ? x - 14 - width : x + 14;
    Object.assign(label.style, { left: `${left}px`, top: `${y - height / 2}px` });
  }

  function paint() {
    const tile = hover.tile;
    if (!tile) return hide();
    const shown = picture();
    if (!shown) return hide();
    if (!shown.ready) return; // the next frame is loading: keep this one until it has
    const { surface, opacity, points } = hover.layout;
    const scale = shown.box.width / hover.layout.width;
    const ratio = window.devicePixelRatio || 1;
    const size = surface.size;
    const width = size + 2 * MARGIN;
    const height = size + TITLE_STRIP;
    canvas.width = Math.round(width * scale * ratio);
    canvas.height = Math.round(height * scale * ratio);
    Object.assign(canvas.style, {
      left: `${shown.box.left + (surface.x - MARGIN) * scale}px`,
      top: `${shown.box.top + (surface.y - TITLE_STRIP) * scale}px`,
      width: `${width * scale}px`,
      height: `${height * scale}px`,
      display: "block",
    });
    // The tile alone first, so that smoothing it up never blends in its grey outline.
    copy.width = copy.height = tile.size;
    copy.getContext("2d").drawImage(shown.source, tile.x, tile.y, tile.size, tile.size, 0, 0, tile.size, tile.size);
    const pen = canvas.getContext("2d");
    pen.setTransform(scale * ratio, 0, 0, scale * ratio, MARGIN * scale * ratio, TITLE_STRIP * scale * ratio);
    // The title's strip, above the surface's outline and clear of the axis labels.
    pen.fillStyle = "#ffffff";
    pen.fillRect(-MARGIN, -TITLE_STRIP, width, TITLE_STRIP - 2);
    pen.fillStyle = "#282828";
    pen.font = "12px 'DejaVu Sans', sans-serif";
    pen.textAlign = "center";
    pen.textBaseline = "middle";
    pen.fillText(tile.name, size / 2, surface.title_y - surface.y);
    // The heatmap, smoothed as the surface is, paled as the surface is.
    pen.imageSmoothingEnabled = true;
    pen.imageSmoothingQuality = "high";
    // From pixel centre to pixel centre: the edges then never blend with what lies outside.
    pen.drawImage(copy, 0.5, 0.5, tile.size - 1, tile.size - 1, 0, 0, size, size);
    pen.fillStyle = `rgba(255, 255, 255, ${1 - opacity})`;
    pen.fillRect(0, 0, size, size);
    pen.lineWidth = 1;
    for (const [x, y, fill, edge] of points) {
      pen.beginPath();
      pen.arc(x + 0.5, y + 0.5, 3, 0, 2 * Math.PI);
      pen.fillStyle = fill;
      pen.fill();
      pen.strokeStyle = edge;
      pen.stroke();
    }
  }

  function onMove(event) {
    hover.point = [event.clientX, event.clientY];
    hover.item = hover.layout ? itemAt(event.clientX, event.clientY) : null;
    paintLabel();
    const tile = hover.layout ? tileAt(event.clientX, event.clientY) : null;
    if (tile === hover.tile) return;
    hover.tile = tile;
    paint();
  }

  // While playing, each new frame is a new picture (and new values): follow it.
  function onLoad(event) {
    if (!event.target.closest || !event.target.closest(VIEW)) return;
    if (hover.tile) paint();
    if (hover.item) {
      // The picture may have changed to the paused chart: the item is looked up again.
      hover.item = hover.point ? itemAt(...hover.point) : null;
      paintLabel();
    }
  }

  // Scrolling moves the view under a still pointer.
  function onScroll() {
    if (hover.point) onMove({ clientX: hover.point[0], clientY: hover.point[1] });
  }

  document.addEventListener("mousemove", onMove, true);
  document.addEventListener("load", onLoad, true);
  document.addEventListener("scroll", onScroll, true);
  document.documentElement.addEventListener("mouseleave", () => {
    hide();
    hover.item = null;
    paintLabel();
  });
  hover.hide = () => {
    hide();
    hover.item = null;
    paintLabel();
  };
  hover.paint = paint;
  return hover;
}

export default function ({ data }) {
  const hover = window.__mlpPlaygroundHover || (window.__mlpPlaygroundHover = install());
  hover.layout = data;
  hover.paint();
  return () => {
    // Leaving the page: the listeners stay, idle, until the Playground comes back.
    if (hover.layout === data) {
      hover.layout = null;
      hover.hide();
    }
  };
}
