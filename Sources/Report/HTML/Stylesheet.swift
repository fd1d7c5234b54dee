/// The report's only stylesheet, inlined in the page: system fonts, readable measure, tables
/// with right-aligned numbers, figures that shrink to the window.
enum Stylesheet {
    static let css = """
    :root { color-scheme: light; --ink: #1a1a1a; --muted: #5c5c5c; --rule: #d9d9d9; --accent: #0072b2; --paper: #ffffff; --tint: #f5f7fa; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--paper); color: var(--ink); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; }
    header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
    header { padding-top: 32px; }
    h1 { font-size: 30px; line-height: 1.2; margin: 0 0 8px; }
    h2 { font-size: 22px; margin: 40px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
    h3 { font-size: 17px; margin: 24px 0 8px; }
    .lede { color: var(--muted); margin: 0 0 16px; overflow-wrap: anywhere; }
    nav ol { display: flex; flex-wrap: wrap; gap: 4px 20px; padding: 0; margin: 16px 0; list-style: none; font-size: 15px; }
    a { color: var(--accent); }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin: 16px 0; }
    .card { background: var(--tint); border: 1px solid var(--rule); border-radius: 8px; padding: 10px 14px; }
    .card-label { font-size: 13px; color: var(--muted); }
    .card-value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .card-note { font-size: 12px; color: var(--muted); min-height: 1em; }
    figure { margin: 24px 0 32px; }
    figure svg { display: block; width: 100%; max-width: 760px; height: auto; margin: 0 auto; border: 1px solid var(--rule); border-radius: 6px; }
    figcaption { max-width: 760px; margin: 8px auto 0; font-size: 14px; color: var(--muted); }
    .missing { color: var(--muted); font-size: 14px; }
    .table-wrap { overflow-x: auto; margin: 8px 0 16px; }
    table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; min-width: 50%; }
    caption { text-align: left; font-weight: 600; padding: 4px 0 6px; }
    th, td { padding: 5px 12px; border-bottom: 1px solid var(--rule); text-align: left; white-space: nowrap; }
    th { background: var(--tint); font-weight: 600; }
    .num { text-align: right; }
    tbody tr:hover { background: #eef4fb; }
    .note { font-size: 14px; color: var(--muted); }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 14px; }
    dt { font-weight: 600; }
    dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
    footer { margin-top: 48px; padding-bottom: 32px; font-size: 13px; color: var(--muted); }
    @media print { figure { break-inside: avoid; } nav { display: none; } }
    """
}
