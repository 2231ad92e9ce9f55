// The last hour as an SVG bar chart: one bar per minute, succeeded stacked on dead and cancelled.
const SVG = 'http://www.w3.org/2000/svg';
const SERIES = [['succeeded', '#146c2e'], ['dead', '#b3261e'], ['cancelled', '#6b7480']];

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, String(value)));
  return node;
}

export function chart(rates) {
  const buckets = rates.buckets;
  const width = 600;
  const height = 120;
  const total = (b) => b.succeeded + b.dead + b.cancelled;
  const max = Math.max(1, ...buckets.map(total));
  const sums = SERIES.map(([name]) => buckets.reduce((sum, b) => sum + b[name], 0));
  const last = buckets.length ? buckets[buckets.length - 1] : null;
  const perSecond = last ? (last.succeeded / rates.bucketSeconds).toFixed(2) : '0';
  const summary = `Last hour: ${sums[0]} succeeded, ${sums[1]} dead, ${sums[2]} cancelled; `
    + `this minute ${perSecond} jobs/s succeeded, peak ${max} per minute.`;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height + 14}`, role: 'img',
    'aria-label': summary, preserveAspectRatio: 'none' });
  const barWidth = width / Math.max(1, buckets.length);
  buckets.forEach((bucket, index) => {
    let top = height;
    for (const [name, color] of SERIES) {
      const size = (bucket[name] / max) * height;
      if (size <= 0) continue;
      top -= size;
      const bar = svg('rect', { x: index * barWidth + 0.5, y: top, width: barWidth - 1,
        height: size, fill: color });
      const title = svg('title', {});
      title.textContent = `${new Date(bucket.start).toLocaleTimeString()}: ${bucket[name]} ${name}`;
      bar.append(title);
      root.append(bar);
    }
  });
  root.append(svg('line', { x1: 0, y1: height, x2: width, y2: height, stroke: '#6b7480' }));
  const label = svg('text', { x: 0, y: height + 12, 'font-size': 10, fill: '#4d5560' });
  label.textContent = '60 min ago';
  const now = svg('text', { x: width, y: height + 12, 'font-size': 10, fill: '#4d5560',
    'text-anchor': 'end' });
  now.textContent = `now (max ${max}/min)`;
  root.append(label, now);
  const legend = document.createElement('div');
  legend.className = 'legend';
  SERIES.forEach(([name, color], i) => {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = color;
    item.append(swatch, `${name} ${sums[i]}`);
    legend.append(item);
  });
  const text = document.createElement('p');
  text.id = 'rates-summary';
  text.className = 'muted';
  text.textContent = summary;
  const box = document.createElement('div');
  box.append(root, legend, text);
  return box;
}
