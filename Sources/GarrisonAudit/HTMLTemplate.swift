import GarrisonCore
/// The HTML report template; generated from `Audit/templates/report.html` (a test keeps them identical).
/// Placeholders: `{{TITLE}}`, `{{META}}`, `{{TIMELINE_SVG}}`, `{{PODS_SVG}}`, `{{TABLES}}`.
enum HTMLTemplate {
  static let report = #"""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>{{TITLE}}</title>
    <style>
    body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2433; background: #fff; }
    h1 { font-size: 22px; margin: 0 0 4px; }
    h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7e2; padding-bottom: 4px; }
    .meta { color: #5b6578; margin-bottom: 16px; }
    table { border-collapse: collapse; margin: 4px 0 8px; }
    th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #e6eaf0; vertical-align: top; }
    th { background: #f3f5f9; font-weight: 600; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    .empty { color: #8a93a5; font-style: italic; }
    .legend span { display: inline-block; margin-right: 14px; }
    .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
    svg text { font: 11px system-ui, sans-serif; fill: #1d2433; }
    </style>
    </head>
    <body>
    <h1>{{TITLE}}</h1>
    <div class="meta">{{META}}</div>
    <h2>Timeline</h2>
    <div class="legend"><span><i style="background:#3b82c4"></i>allowed</span><span><i style="background:#e08a1e"></i>denied</span><span><i style="background:#c8372d"></i>error</span></div>
    {{TIMELINE_SVG}}
    <h2>Per-pod breakdown</h2>
    {{PODS_SVG}}
    {{TABLES}}
    </body>
    </html>
    """#
}
