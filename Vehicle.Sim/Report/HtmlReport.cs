namespace Vehicle.Sim.Report;

/// <summary>
/// <c>report.html</c>: one self-contained page (no external files or network) with the report's
/// data embedded and a small script that draws, as SVG, a latency CDF per lane on a log-scaled
/// axis with each lane's budget marked (and, with <c>--baseline</c>, the baseline run's CDFs dashed
/// on the same chart), the capacity curve of a <c>--sweep</c>, and a timeline of the drive (speed,
/// connectivity, every command's latency and outcome).
/// </summary>
public static class HtmlReport
{
    /// <summary>The page for a report.json text, with the baseline's report.json when there is one.</summary>
    public static string Render(string reportJson, string? baselineJson = null)
    {
        ArgumentNullException.ThrowIfNull(reportJson);
        return Template
            .Replace("/*DATA*/", Embed(reportJson), StringComparison.Ordinal)
            .Replace("/*BASELINE*/", baselineJson is null ? "null" : Embed(baselineJson), StringComparison.Ordinal);
    }

    // The JSON sits inside a <script> element: "</" must not close it.
    private static string Embed(string json) => json.Replace("</", "<\\/", StringComparison.Ordinal);

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
        <h2>Latency CDF per lane (admission to outcome, log scale)</h2>
        <svg id="cdf" width="900" height="340" role="img" aria-label="latency CDF per lane"></svg>
        <div id="cdf-legend" class="legend"></div>
        <div id="sweep-section" hidden>
        <h2>Capacity curve: p99 latency against load</h2>
        <svg id="sweep" width="900" height="320" role="img" aria-label="p99 latency per lane against load factor"></svg>
        <div id="sweep-legend" class="legend"></div>
        </div>
        <h2>Timeline</h2>
        <svg id="timeline" width="900" height="420" role="img" aria-label="drive timeline"></svg>
        <div id="timeline-legend" class="legend"></div>
        <script type="application/json" id="report-data">/*DATA*/</script>
        <script type="application/json" id="baseline-data">/*BASELINE*/</script>
        <script>
        (function () {
          const report = JSON.parse(document.getElementById('report-data').textContent);
          const baseline = JSON.parse(document.getElementById('baseline-data').textContent);
          const NS = 'http://www.w3.org/2000/svg';
          const colors = { critical: '#d62728', interactive: '#1f77b4', cloud: '#2ca02c', none: '#7f7f7f' };
          const outcomeColors = { executed: '#2ca02c', answered: '#1f77b4', refused: '#ff7f0e', routed_cloud: '#9467bd',
            deadline_missed: '#d62728', rejected: '#8c564b', failed: '#e377c2', expired: '#7f7f7f', asked: '#17becf', cancelled: '#bcbd22' };
          function el(name, attrs, parent, text) {
            const e = document.createElementNS(NS, name);
            for (const k in attrs) e.setAttribute(k, attrs[k]);
            if (text !== undefined) e.textContent = text;
            parent.appendChild(e);
            return e;
          }
          const run = report.run;
          document.getElementById('title').textContent = 'Replay of ' + run.trace + ' (' + run.clock + ' clock, seed ' + run.seed + ', ' + run.simulated_s + ' s of drive' + (report.runs ? ', median of ' + report.runs.count + ' runs' : '') + ')';
          let rows = '<table><tr><th>lane</th><th>count</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>deadline missed</th><th>refused</th><th>rejected</th></tr>';
          for (const [lane, s] of Object.entries(report.lanes))
            rows += '<tr><td>' + lane + '</td><td>' + s.count + '</td><td>' + s.p50_ms + '</td><td>' + s.p90_ms + '</td><td>' + s.p99_ms + '</td><td>' + s.max_ms + '</td><td>' + s.deadline_missed + '</td><td>' + s.refused + '</td><td>' + s.rejected + '</td></tr>';
          const c = report.cloud;
          rows += '</table><p>Cloud: asked ' + c.asked + ', queued offline ' + c.queued_offline + ', answered ' + c.answered + ' (' + c.delivered_after_reconnect + ' after a reconnect), expired ' + c.expired + ', failed ' + c.failed + ', lost ' + c.lost + '.</p>';
          document.getElementById('summary').innerHTML = rows;

          // A log-scaled axis with 1-2-5 ticks per decade.
          function logAxis(lo, hi, from, to) {
            const a = Math.log10(lo), b = Math.log10(hi);
            return { at: v => from + (to - from) * (Math.log10(Math.min(Math.max(v, lo), hi)) - a) / (b - a),
              ticks: [].concat(...Array.from({ length: Math.round(b - a) + 1 }, (_, i) => [1, 2, 5].map(m => m * Math.pow(10, Math.round(a) + i)))).filter(t => t >= lo * 0.999 && t <= hi * 1.001) };
          }
          const label = v => v >= 1 ? v.toString() : v.toPrecision(1);

          // Latency CDF per lane, the baseline's dashed, budgets marked.
          const commands = report.timeline.commands;
          const baseCommands = baseline ? baseline.timeline.commands : [];
          const cdf = document.getElementById('cdf');
          const W = 900, H = 340, L = 60, R = 20, T = 20, B = 50;
          const all = commands.concat(baseCommands).map(m => m.latency_ms).filter(v => v > 0);
          const budgets = Object.entries(report.budgets || {}).filter(([k]) => /^lanes\.[a-z]+\.(p50|p90|p99|p999|max)_ms$/.test(k));
          const lo = Math.pow(10, Math.floor(Math.log10(Math.min(1, ...all))));
          const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(10, ...all, ...budgets.map(b => b[1])))));
          const xa = logAxis(lo, hi, L, W - R), y = f => H - B - (H - T - B) * f;
          el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }, cdf);
          el('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }, cdf);
          for (const f of [0, 0.5, 0.9, 0.99]) { el('line', { x1: L, y1: y(f), x2: W - R, y2: y(f), class: 'grid' }, cdf); el('text', { x: 8, y: y(f) + 4 }, cdf, f.toString()); }
          for (const t of xa.ticks) {
            el('line', { x1: xa.at(t), y1: T, x2: xa.at(t), y2: H - B, class: 'grid' }, cdf);
            el('text', { x: xa.at(t) - 8, y: H - B + 16, class: 'tick' }, cdf, label(t));
          }
          el('text', { x: W / 2 - 60, y: H - 12 }, cdf, 'latency, ms (log scale)');
          function drawCdf(values, lane, dashed) {
            let d = 'M ' + xa.at(lo) + ' ' + y(0);
            values.forEach((v, i) => { d += ' L ' + xa.at(v) + ' ' + y(i / values.length) + ' L ' + xa.at(v) + ' ' + y((i + 1) / values.length); });
            const attrs = { d: d, fill: 'none', stroke: colors[lane] || '#333', 'stroke-width': dashed ? 1.5 : 2, class: dashed ? 'baseline-line' : 'cdf-line', 'data-lane': lane };
            if (dashed) attrs['stroke-dasharray'] = '5 4';
            el('path', attrs, cdf);
          }
          const legend = document.getElementById('cdf-legend');
          for (const lane of Object.keys(report.lanes)) {
            const values = commands.filter(m => m.lane === lane).map(m => m.latency_ms).sort((a, b) => a - b);
            if (values.length === 0) continue;
            drawCdf(values, lane, false);
            legend.innerHTML += '<span style="color:' + (colors[lane] || '#333') + '">&#9632; ' + lane + ' (' + values.length + ')</span>';
            const old = baseCommands.filter(m => m.lane === lane).map(m => m.latency_ms).sort((a, b) => a - b);
            if (old.length > 0) {
              drawCdf(old, lane, true);
              legend.innerHTML += '<span style="color:' + (colors[lane] || '#333') + '">- - ' + lane + ' baseline (' + old.length + ')</span>';
            }
          }
          for (const [key, limit] of budgets) {
            const lane = key.split('.')[1];
            el('line', { x1: xa.at(limit), y1: T, x2: xa.at(limit), y2: H - B, stroke: colors[lane] || '#333', 'stroke-dasharray': '2 3', class: 'budget' }, cdf);
            const right = xa.at(limit) > W - 220;
            el('text', { x: xa.at(limit) + (right ? -3 : 3), y: T + 12 + 12 * budgets.findIndex(b => b[0] === key), 'text-anchor': right ? 'end' : 'start' }, cdf, key.replace('lanes.', '') + ' budget ' + limit + ' ms');
          }

          // Capacity curve: p99 per lane against the load factor, both log-scaled; deadline misses marked.
          if (report.sweep) {
            document.getElementById('sweep-section').hidden = false;
            const sw = document.getElementById('sweep');
            const SH = 320;
            const factors = report.sweep.factors;
            const p99s = [].concat(...Object.values(report.sweep.lanes).map(c => c.map(p => p.p99_ms))).filter(v => v > 0);
            const fx = logAxis(Math.pow(10, Math.floor(Math.log10(Math.min(...factors)))), Math.pow(10, Math.ceil(Math.log10(Math.max(...factors) * 1.01))), L, W - R);
            const py = logAxis(Math.pow(10, Math.floor(Math.log10(Math.min(1, ...p99s)))), Math.pow(10, Math.ceil(Math.log10(Math.max(10, ...p99s)))), SH - B, T);
            el('line', { x1: L, y1: SH - B, x2: W - R, y2: SH - B, class: 'axis' }, sw);
            el('line', { x1: L, y1: T, x2: L, y2: SH - B, class: 'axis' }, sw);
            for (const t of fx.ticks) { el('line', { x1: fx.at(t), y1: T, x2: fx.at(t), y2: SH - B, class: 'grid' }, sw); el('text', { x: fx.at(t) - 6, y: SH - B + 16, class: 'tick' }, sw, label(t) + 'x'); }
            for (const t of py.ticks) { el('line', { x1: L, y1: py.at(t), x2: W - R, y2: py.at(t), class: 'grid' }, sw); el('text', { x: 8, y: py.at(t) + 4, class: 'tick' }, sw, label(t) + ' ms'); }
            el('text', { x: W / 2 - 60, y: SH - 12 }, sw, 'load factor (events N times denser)');
            const slegend = document.getElementById('sweep-legend');
            for (const [lane, curve] of Object.entries(report.sweep.lanes)) {
              let d = '';
              curve.forEach((p, i) => { d += (i === 0 ? 'M ' : ' L ') + fx.at(p.factor) + ' ' + py.at(p.p99_ms); });
              el('path', { d: d, fill: 'none', stroke: colors[lane] || '#333', 'stroke-width': 2, class: 'sweep-line', 'data-lane': lane }, sw);
              for (const p of curve) {
                const dot = el('circle', { cx: fx.at(p.factor), cy: py.at(p.p99_ms), r: p.deadline_missed + p.rejected > 0 ? 6 : 3, fill: p.deadline_missed + p.rejected > 0 ? '#000' : (colors[lane] || '#333'), class: 'sweep-point' }, sw);
                el('title', {}, dot, lane + ' at ' + p.factor + 'x: p99 ' + p.p99_ms + ' ms, ' + p.deadline_missed + ' missed, ' + p.rejected + ' rejected');
              }
              const knee = report.sweep.knee[lane];
              slegend.innerHTML += '<span style="color:' + (colors[lane] || '#333') + '">&#9632; ' + lane + ' (knee: ' + (knee === null ? 'none up to ' + Math.max(...factors) + 'x' : knee + 'x') + ')</span>';
            }
            slegend.innerHTML += '<span>&#9679; black: deadline missed or rejected at that load</span>';
          }

          // Timeline: speed on top, commands (latency, colored by outcome) below, offline shaded.
          const maxLatency = Math.max(1, ...commands.map(m => m.latency_ms));
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
