namespace Vehicle.Sim.Report;

/// <summary>
/// <c>report.html</c>: one self-contained page (no external files or network) with the report's
/// data embedded and a small script that draws, as SVG, a latency CDF per lane and a timeline of
/// the drive (speed, connectivity, every command's latency and outcome).
/// </summary>
public static class HtmlReport
{
    /// <summary>The page for a report.json text.</summary>
    public static string Render(string reportJson)
    {
        ArgumentNullException.ThrowIfNull(reportJson);
        // The JSON sits inside a <script> element: "</" must not close it.
        var data = reportJson.Replace("</", "<\\/", StringComparison.Ordinal);
        return Template.Replace("/*DATA*/", data, StringComparison.Ordinal);
    }

    private const string Template = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Replay report</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
          h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
          table { border-collapse: collapse; font-size: 13px; }
          td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
          th:first-child, td:first-child { text-align: left; }
          svg { background: #fafafa; border: 1px solid #ddd; }
          .axis { stroke: #888; } .grid { stroke: #e4e4e4; } text { font-size: 11px; fill: #444; }
          .legend span { margin-right: 14px; font-size: 12px; }
        </style>
        </head>
        <body>
        <h1 id="title">Replay report</h1>
        <div id="summary"></div>
        <h2>Latency CDF per lane (admission to outcome)</h2>
        <svg id="cdf" width="900" height="320" role="img" aria-label="latency CDF per lane"></svg>
        <div id="cdf-legend" class="legend"></div>
        <h2>Timeline</h2>
        <svg id="timeline" width="900" height="420" role="img" aria-label="drive timeline"></svg>
        <div id="timeline-legend" class="legend"></div>
        <script type="application/json" id="report-data">/*DATA*/</script>
        <script>
        (function () {
          const report = JSON.parse(document.getElementById('report-data').textContent);
          const NS = 'http://www.w3.org/2000/svg';
          const colors = { critical: '#d62728', interactive: '#1f77b4', cloud: '#2ca02c', none: '#7f7f7f' };
          const outcomeColors = { executed: '#2ca02c', answered: '#1f77b4', refused: '#ff7f0e', routed_cloud: '#9467bd',
            deadline_missed: '#d62728', rejected: '#8c564b', failed: '#e377c2', expired: '#7f7f7f' };
          function el(name, attrs, parent, text) {
            const e = document.createElementNS(NS, name);
            for (const k in attrs) e.setAttribute(k, attrs[k]);
            if (text !== undefined) e.textContent = text;
            parent.appendChild(e);
            return e;
          }
          const run = report.run;
          document.getElementById('title').textContent = 'Replay of ' + run.trace + ' (' + run.clock + ' clock, seed ' + run.seed + ', ' + run.simulated_s + ' s of drive)';
          let rows = '<table><tr><th>lane</th><th>count</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>deadline missed</th><th>refused</th><th>rejected</th></tr>';
          for (const [lane, s] of Object.entries(report.lanes))
            rows += '<tr><td>' + lane + '</td><td>' + s.count + '</td><td>' + s.p50_ms + '</td><td>' + s.p90_ms + '</td><td>' + s.p99_ms + '</td><td>' + s.max_ms + '</td><td>' + s.deadline_missed + '</td><td>' + s.refused + '</td><td>' + s.rejected + '</td></tr>';
          const c = report.cloud;
          rows += '</table><p>Cloud: asked ' + c.asked + ', queued offline ' + c.queued_offline + ', answered ' + c.answered + ' (' + c.delivered_after_reconnect + ' after a reconnect), expired ' + c.expired + ', failed ' + c.failed + ', lost ' + c.lost + '.</p>';
          document.getElementById('summary').innerHTML = rows;

          // Latency CDF per lane.
          const commands = report.timeline.commands;
          const cdf = document.getElementById('cdf');
          const W = 900, H = 320, L = 60, R = 20, T = 20, B = 40;
          const maxLatency = Math.max(1, ...commands.map(x => x.latency_ms));
          const x = v => L + (W - L - R) * v / maxLatency, y = f => H - B - (H - T - B) * f;
          el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }, cdf);
          el('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }, cdf);
          for (const f of [0, 0.5, 0.9, 0.99, 1]) { el('line', { x1: L, y1: y(f), x2: W - R, y2: y(f), class: 'grid' }, cdf); el('text', { x: 8, y: y(f) + 4 }, cdf, f.toString()); }
          el('text', { x: L, y: H - 10 }, cdf, '0 ms'); el('text', { x: W - R - 80, y: H - 10 }, cdf, maxLatency.toFixed(1) + ' ms');
          const legend = document.getElementById('cdf-legend');
          for (const lane of Object.keys(report.lanes)) {
            const values = commands.filter(m => m.lane === lane).map(m => m.latency_ms).sort((a, b) => a - b);
            if (values.length === 0) continue;
            let d = 'M ' + x(0) + ' ' + y(0);
            values.forEach((v, i) => { d += ' L ' + x(v) + ' ' + y(i / values.length) + ' L ' + x(v) + ' ' + y((i + 1) / values.length); });
            el('path', { d: d, fill: 'none', stroke: colors[lane] || '#333', 'stroke-width': 2, class: 'cdf-line', 'data-lane': lane }, cdf);
            legend.innerHTML += '<span style="color:' + (colors[lane] || '#333') + '">&#9632; ' + lane + ' (' + values.length + ')</span>';
          }

          // Timeline: speed on top, commands (latency, colored by outcome) below, offline shaded.
          const tl = document.getElementById('timeline');
          const TW = 900, TH = 420, split = 180;
          const end = Math.max(run.simulated_s, 1);
          const tx = t => L + (TW - L - R) * t / end;
          const speeds = report.timeline.speed;
          const maxSpeed = Math.max(1, ...speeds.map(s => s[1]));
          const sy = v => split - 10 - (split - 30) * v / maxSpeed;
          const ly = v => TH - B - (TH - split - B - 20) * v / maxLatency;
          const link = report.timeline.connectivity;
          for (let i = 0; i < link.length; i++) {
            if (link[i].online) continue;
            const back = link.slice(i + 1).find(e => e.online);
            const to = back ? back.t : end;
            el('rect', { x: tx(link[i].t), y: T, width: Math.max(1, tx(to) - tx(link[i].t)), height: TH - T - B, fill: '#f4d4d4', class: 'offline' }, tl);
          }
          el('line', { x1: L, y1: split, x2: TW - R, y2: split, class: 'axis' }, tl);
          el('line', { x1: L, y1: TH - B, x2: TW - R, y2: TH - B, class: 'axis' }, tl);
          el('text', { x: 4, y: sy(maxSpeed) + 4 }, tl, maxSpeed.toFixed(0) + ' km/h');
          el('text', { x: 4, y: ly(maxLatency) + 4 }, tl, maxLatency.toFixed(1) + ' ms');
          el('text', { x: L, y: TH - 10 }, tl, '0 s'); el('text', { x: TW - R - 50, y: TH - 10 }, tl, end.toFixed(0) + ' s');
          if (speeds.length > 0) {
            let d = 'M ' + tx(speeds[0][0]) + ' ' + sy(speeds[0][1]);
            for (const s of speeds) d += ' L ' + tx(s[0]) + ' ' + sy(s[1]);
            el('path', { d: d, fill: 'none', stroke: '#444', 'stroke-width': 1.5, class: 'speed-line' }, tl);
          }
          for (const m of commands) {
            const dot = el('circle', { cx: tx(m.t), cy: ly(m.latency_ms), r: 4, fill: outcomeColors[m.outcome] || '#333', class: 'command', 'data-outcome': m.outcome }, tl);
            el('title', {}, dot, m.t + ' s: "' + m.text + '" -> ' + m.intent + ', ' + m.outcome + ' in ' + m.latency_ms + ' ms');
          }
          const tlegend = document.getElementById('timeline-legend');
          tlegend.innerHTML = '<span>&#9644; speed</span><span style="color:#d88">&#9632; offline</span>' +
            Object.entries(outcomeColors).map(([k, v]) => '<span style="color:' + v + '">&#9679; ' + k + '</span>').join('');
          document.body.setAttribute('data-rendered', 'true');
        })();
        </script>
        </body>
        </html>

        """;
}
