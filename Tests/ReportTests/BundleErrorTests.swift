import Foundation
import Report
import SimKernel
import Testing

/// Bad bundles are refused with the file and line at fault, never read half-way.
@Suite("Bundle errors")
struct BundleErrorTests {
    let header = #"{"counters":[{"name":"a"}],"end_ns":20,"format":"delivery-sim.timeseries","gauges":[],"histograms":[{"name":"h"}],"interval_ns":10,"version":1}"#

    @Test("a file that is not a time series says which line and what was expected")
    func corruptSeries() {
        func error(_ text: String) -> BundleError? {
            do { _ = try TimeSeriesJSONL.read(text, file: "run/timeseries.jsonl"); return nil } catch { return error }
        }
        #expect(error("")?.message.contains("empty") == true)
        #expect(error("start_s,end_s\n")?.line == 1)
        #expect(error(#"{"format":"other"}"#)?.message.contains("delivery-sim.timeseries") == true)
        let broken = error(header + "\n" + #"{"c":[1],"g":[],"h":[],"t":[0,10]}"# + "\n" + #"{"c":[1],"g":[],"h":[],"t":[0,"#)
        #expect(broken?.line == 3 && broken?.description.hasPrefix("run/timeseries.jsonl:3: not valid JSON") == true)
        let gap = error(header + "\n" + #"{"c":[1],"g":[],"h":[],"t":[0,10]}"# + "\n" + #"{"c":[1],"g":[],"h":[],"t":[12,20]}"#)
        #expect(gap?.line == 3 && gap?.message.contains("previous one ended") == true)
        // Buckets that do not add up to the count.
        let buckets = error(header + "\n" + #"{"c":[],"g":[],"h":[[0,3,30,5,15,5,1,3,1]],"t":[0,10]}"#)
        #expect(buckets?.line == 2 && buckets?.message.contains("do not add up") == true)
    }

    @Test("a histogram written and read back is the same histogram")
    func histogramRoundTrip() throws {
        let text = header + "\n" + #"{"c":[2],"g":[],"h":[[0,3,30,5,15,5,2,10,1]],"t":[0,10]}"# + "\n"
        let series = try TimeSeriesJSONL.read(text, file: "t")
        let histogram = try #require(series.rows[0].histograms[0])
        #expect(histogram.count == 3 && histogram.sum == 30 && histogram.min == 5 && histogram.max == 15)
        #expect(histogram.nonEmptyBuckets.map(\.index) == [5, 15])
        #expect(CompactHistogram(count: 2, sum: 3, min: 1, max: 2, buckets: [(2, 1), (1, 1)]) == nil, "buckets must ascend")
    }

    @Test("a missing folder, a folder that is not a bundle, and a corrupt summary are located")
    func folders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        func error(_ path: String) -> BundleError? {
            do { _ = try RunBundle.load(path); return nil } catch { return error }
        }
        #expect(error(root.path + "/nothing")?.message.contains("no such folder") == true)
        #expect(error(root.path)?.file == root.path + "/world.json")
        #expect(error(root.path)?.message.contains("is not a run's output folder (every run writes world.json, summary.json and timeseries.jsonl") == true)
        let run = try smallIncident.get()
        for file in run.files { try Data(file.contents.utf8).write(to: root.appendingPathComponent(file.name)) }
        #expect(try RunBundle.load(root.path).series == run.bundle.series)
        try Data("{\"world\": 1".utf8).write(to: root.appendingPathComponent("summary.json"))
        #expect(error(root.path)?.description.hasPrefix(root.path + "/summary.json: not valid JSON") == true)
    }
}

/// How times and values read on a page.
@Suite("Page text")
struct PageTextTests {
    @Test("simulated time reads as people say it, values compactly with their unit")
    func text() {
        #expect([0, 4.5, 45, 300, 310, 3600, 3720, 3725].map(TimeText.seconds) == ["0s", "4.5s", "45s", "5m", "5m10s", "1h", "1h02m", "1h02m05s"])
        #expect(ValueUnit.milliseconds.format(2500) == "2.5 s" && ValueUnit.milliseconds.format(250) == "250 ms")
        #expect(ValueUnit.ratio.format(0.4213) == "42.1%" && ValueUnit.perSecond.format(12_345) == "12.3k/s")
        #expect(Axis.ticks(upTo: 7.3) == [0, 2, 4, 6, 8] && Axis.ticks(upTo: 0) == [0, 1])
        #expect(Html.escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
    }
}
