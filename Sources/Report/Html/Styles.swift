/// The one stylesheet of the report pages, inline in each (no file fetched): a readable
/// column, small multiples in a grid, charts' parts by class. Text is #1a1a1a on white
/// (contrast above 15:1); secondary text #555 (7:1).
public enum Styles {
    /// The CSS text (contains neither `<` nor `&`, so it is valid XML content as well).
    public static let css = """
    :root { color-scheme: light; }
    body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fff; margin: 0; }
    main { max-width: 1440px; margin: 0 auto; padding: 20px 28px 60px; }
    h1 { font-size: 24px; margin: 8px 0 4px; }
    h2 { font-size: 18px; margin: 30px 0 8px; padding-top: 10px; border-top: 2px solid #e4e4e4; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    p.lead { color: #333; max-width: 1100px; }
    .muted, .unit { color: #555; }
    .pass { color: #0a6b3d; font-weight: 600; }
    .fail { color: #b3261e; font-weight: 600; }
    .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
    .badge.pass { background: #dcf2e6; } .badge.fail { background: #fbe0dd; }
    table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #ececec; vertical-align: top; }
    th { font-weight: 600; color: #333; }
    td.num, th.num { text-align: right; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
    dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
    .grid { display: flex; flex-wrap: wrap; gap: 14px 22px; }
    figure.chart { margin: 0; }
    figure.chart figcaption { font-weight: 600; font-size: 13px; margin-bottom: 2px; }
    svg.plot { display: block; font-size: 10.5px; }
    svg.plot text { fill: #444; }
    svg.plot .ytick { text-anchor: end; dominant-baseline: middle; }
    svg.plot .xtick { text-anchor: middle; }
    svg.plot .rowlabel { text-anchor: end; fill: #1a1a1a; font-size: 11.5px; }
    svg.plot line.grid { stroke: #e6e6e6; stroke-width: 1; }
    svg.plot line.axis { stroke: #888; stroke-width: 1; }
    svg.plot path.line { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
    svg.plot path.dashed { stroke-dasharray: 5 3; }
    svg.plot g.fault rect { fill: #D55E00; fill-opacity: 0.13; }
    svg.plot g.fault.outline rect { fill: none; stroke: #D55E00; stroke-width: 1.2; stroke-dasharray: 3 2; }
    svg.plot g.fault text { fill: #9a3c00; font-weight: 700; font-size: 10px; }
    ul.legend { list-style: none; padding: 0; margin: 3px 0 0; display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 12px; max-width: 420px; }
    figure.wide ul.legend { max-width: none; }
    ul.legend .swatch { display: inline-block; width: 18px; height: 0; border-top: 2.5px solid; vertical-align: middle; margin-right: 5px; }
    ul.legend .swatch.dashed { border-top-style: dashed; }
    ul.legend .block { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 5px; border: 1px solid #999; }
    ol.timeline { list-style: none; padding: 0; margin: 6px 0; }
    ol.timeline li { display: grid; grid-template-columns: 72px 110px 1fr; gap: 8px; padding: 2px 0; border-bottom: 1px solid #f0f0f0; }
    ol.timeline .when { font-variant-numeric: tabular-nums; text-align: right; color: #333; }
    ol.timeline .kind { font-size: 12px; color: #555; }
    ol.timeline li.fault { background: #fdf0e8; } ol.timeline li.recovery { background: #e9f6ef; }
    ol.timeline li.breaker .kind { color: #a52a1e; } ol.timeline li.expectation .kind { color: #6b3fa0; }
    .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
    details > summary { cursor: pointer; color: #0b5394; margin: 6px 0; }
    pre.world { background: #f6f6f6; padding: 10px; overflow: auto; max-height: 480px; font-size: 12px; }
    tr.same td { color: #777; }
    td.up, td.down { font-weight: 600; }
    .note { color: #555; font-size: 12.5px; max-width: 1100px; }
    """
}
