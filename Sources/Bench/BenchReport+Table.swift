import Report

extension BenchReport {
    /// The table `delivery-sim bench` prints: one line per implementation with its median
    /// timings, its ratios to DeliverySim and what it measured, under Erlang C's exact
    /// figures, then what each column means and where the figures were taken.
    public var table: String {
        let header = ["implementation", "run s", "customers/s", "events/s", "wall s", "user s", "peak RSS",
                      "× user", "× RSS", "Wq s", "W s", "P(wait)"]
        var cells: [[String]] = [["Erlang C (exact)"] + Array(repeating: "", count: 8)
            + [fixed(theory.meanWait, 4), fixed(theory.meanSojourn, 4), fixed(theory.probabilityOfWaiting, 4)]]
        var notes: [(row: Int, text: String)] = []
        for row in rows {
            guard let runs = row.runs else {
                switch row.status {
                case .unavailable(let reason): notes.append((cells.count, reason))
                case .failed(let reason): notes.append((cells.count, "FAILED: " + reason))
                case .measured: notes.append((cells.count, "not run"))
                }
                cells.append([row.label])
                continue
            }
            let figures = runs[0].figures
            let ratio = ratios(row)
            cells.append([
                row.label,
                Self.seconds(row.median(\.figures.runSeconds)!),
                Self.rate(row.median(\.customersPerSecond)!),
                runs.allSatisfy { $0.eventsPerSecond != nil } ? Self.rate(row.median { $0.eventsPerSecond! }!) : "—",
                Self.seconds(row.median(\.process.wallSeconds)!),
                Self.seconds(row.median(\.process.userSeconds)!),
                Self.mebibytes(row.median(\.peakMemory)!),
                ratio.map { Self.times($0.userTime) } ?? "—",
                ratio.map { Self.times($0.peakMemory) } ?? "—",
                fixed(figures.meanWait, 4), fixed(figures.meanSojourn, 4), fixed(figures.probabilityOfWaiting, 4),
            ])
        }
        let render = Self.columns(header: header, cells: cells)
        var lines = [
            "M/M/\(theory.servers), λ = \(fixed(theory.arrivalRate, 1))/s, μ = \(fixed(theory.serviceRate, 1))/s "
                + "(ρ = \(fixed(theory.utilisation, 2))): \(Self.grouped(customers)) customers, seed \(seed), "
                + "median of \(repeats) run\(repeats == 1 ? "" : "s") each",
            render(header),
        ]
        for (index, line) in cells.enumerated() {
            if let note = notes.first(where: { $0.row == index }) {
                lines.append(render([line[0]]) + "  " + note.text)
            } else {
                lines.append(render(line))
            }
        }
        lines.append("")
        lines.append("run s: the simulation loop's wall time as each implementation times itself; customers/s and events/s")
        lines.append("  are per run s. wall s, user s (CPU), peak RSS: the whole child process (start-up, imports, model")
        lines.append("  building; for Ciw also gathering its records). × user, × RSS: median user s and peak RSS over")
        lines.append("  DeliverySim's (CPU time, as wall time on a shared machine depends on the neighbours).")
        for row in rows where row.runs != nil {
            lines.append("events of \(row.implementation.title): \(row.implementation.eventsMeaning).")
        }
        if !scaling.isEmpty { lines += [""] + scalingTable }
        let load = machine.loadAverage.map { fixed($0, 2) }.joined(separator: " ")
        lines.append("\(machine.cores) cores, load average \(load.isEmpty ? "unknown" : load) at the start; "
            + "\(machine.buildConfiguration) build, Swift \(machine.swiftVersion); "
            + "heap on \(machine.hugePageHeap ? "huge pages" : "4 KiB pages (DELIVERYSIM_HUGE_PAGES=0 or not Linux)").")
        return lines.joined(separator: "\n")
    }

    /// The baseline platform at each factor: the work it did and what that cost, per
    /// order against ×1's.
    var scalingTable: [String] {
        let header = ["platform", "orders", "delivered", "trace events", "run s", "events/s", "wall s", "user s",
                      "peak RSS", "user ms/order", "× user", "× RSS"]
        let base = scaling.first { $0.factor == 1 }
        var cells: [[String]] = []
        var failures: [Int: String] = [:]
        for row in scaling {
            let name = "baseline ×\(row.factor)"
            guard let run = row.runs.first, let runSeconds = row.median(\.figures.runSeconds),
                  let user = row.median(\.process.userSeconds), let memory = row.median({ Double($0.process.peakResidentBytes) }) else {
                failures[cells.count] = "FAILED: " + (row.failure ?? "not run")
                cells.append([name])
                continue
            }
            let baseUser = base?.median(\.process.userSeconds)
            let baseMemory = base?.median { Double($0.process.peakResidentBytes) }
            cells.append([
                name, Self.grouped(run.figures.ordersCreated), Self.grouped(run.figures.ordersDelivered),
                Self.grouped(run.figures.traceEvents), Self.seconds(runSeconds),
                Self.rate(Double(run.figures.kernelSteps) / runSeconds), Self.seconds(row.median(\.process.wallSeconds)!),
                Self.seconds(user), Self.mebibytes(memory), fixed(row.median(\.userSecondsPerOrder)! * 1000, 3),
                baseUser.map { Self.times(user / $0) } ?? "—", baseMemory.map { Self.times(memory / $0) } ?? "—",
            ])
        }
        let render = Self.columns(header: header, cells: cells)
        var lines = ["The baseline platform scaled (demand and capacity × N, as scripts/scaled-baseline): "
            + "median of \(repeats) run\(repeats == 1 ? "" : "s") each", render(header)]
        for (index, line) in cells.enumerated() {
            lines.append(failures[index].map { render([line[0]]) + "  " + $0 } ?? render(line))
        }
        lines.append("events/s: kernel steps per run s. A ×N platform does about N times the work: user ms/order")
        lines.append("  should stay flat, × user near N.")
        return lines
    }

    func fixed(_ value: Double, _ digits: Int) -> String { Html.fixed(value, digits) }

    /// Seconds with three significant figures or so: 0.0623, 0.512, 8.81, 18.7.
    static func seconds(_ value: Double) -> String {
        Html.fixed(value, value < 0.1 ? 4 : value < 1 ? 3 : value < 10 ? 2 : 1)
    }

    /// A rate in k or M: 113.5 k, 16.05 M.
    static func rate(_ perSecond: Double) -> String {
        perSecond >= 1e6 ? Html.fixed(perSecond / 1e6, 2) + " M"
            : perSecond >= 1e3 ? Html.fixed(perSecond / 1e3, 1) + " k" : Html.fixed(perSecond, 0)
    }

    /// Bytes in MiB with one decimal.
    static func mebibytes(_ bytes: Double) -> String { Html.fixed(bytes / 1_048_576, 1) + " MiB" }

    /// A ratio: 0.12×, 17.2×.
    static func times(_ ratio: Double) -> String { Html.fixed(ratio, ratio < 10 ? 2 : 1) + "×" }

    /// 1,000,000.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }

    /// Renders table lines in columns as wide as their widest full-width cell: the first
    /// column left-aligned (names), the others right-aligned (figures). A shorter line (a
    /// row's name before its note) keeps the widths of the full ones.
    static func columns(header: [String], cells: [[String]]) -> ([String]) -> String {
        var widths = header.map(\.count)
        for line in cells where line.count == header.count {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        return { line in
            line.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
