public import Platform
public import SimKernel
public import World

/// Every file a run writes into its output folder, made from the outcome: the bundle
/// (`world.json`, `summary.json`, `timeseries.jsonl`), `timeseries.csv` for
/// spreadsheets, `metrics.om` for Prometheus, `report.html` — rendered from the bundle's texts, read back, so
/// that `delivery-sim report` on the folder gives the same bytes — and `checkpoints.csv`
/// from the run's `trace`, so two runs' folders locate where they part.
public enum RunFiles {
    /// The files, in the order they are listed to the user.
    public static func make(_ outcome: WorldOutcome, world: JSONValue, trace: Trace, path: String,
                            provenance: Provenance? = nil) throws(BundleError) -> [(name: String, contents: String)] {
        let worldText = CanonicalJSON.string(resolvedWorld(world, seed: outcome.spec.seed))
        let summaryText = RunSummary(outcome, provenance: provenance).text
        let seriesText = TimeSeriesJSONL.text(outcome.metrics, end: outcome.result.endTime)
        let bundle = try RunBundle(path: path, world: worldText, summary: summaryText, series: seriesText)
        return [
            (RunBundle.summaryFile, summaryText),
            ("timeseries.csv", TimeSeriesCSV.text(outcome.metrics)),
            ("metrics.om", OpenMetricsText.text(outcome.metrics)),
            (RunBundle.seriesFile, seriesText),
            (RunBundle.worldFile, worldText),
            (RunBundle.reportFile, ReportPage(bundle).html),
            ("checkpoints.csv", TraceCheckpointsCSV.text(trace)),
        ]
    }

    /// The world document with the seed the run used (`--seed` overrides the file's).
    public static func resolvedWorld(_ world: JSONValue, seed: UInt64) -> JSONValue {
        guard var object = world.objectValue else { return world }
        object.set("seed", to: .int(Int(seed)), keyLocation: .synthesized)
        return JSONValue(.object(object))
    }
}
