public import World

/// A world file read once, from which each configuration of a sweep is built by applying
/// its overrides. Checking every configuration before any run starts is what lets a bad
/// `--vary` fail at once, with the axis named, instead of an hour into a sweep.
public struct SweepWorld: Sendable {
    /// The file's path, for messages.
    public let path: String
    /// The file's bytes.
    public let bytes: [UInt8]

    /// The world in `bytes`, named `path` in messages.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// The world with `set` applied (the base of every configuration).
    public func base(set: [String]) throws(SweepError) -> WorldSpec {
        do {
            return try WorldJSON.read(bytes, file: path, overrides: set, with: WorldSpec.reader)
        } catch {
            throw SweepError(error.description)
        }
    }

    /// Checks every axis value on its own, then every configuration, and returns the
    /// configurations' specs in grid order. Errors name the `--vary` and its value.
    public func specs(for plan: SweepPlan) throws(SweepError) -> [WorldSpec] {
        _ = try base(set: plan.set)
        for (axis, parameter) in plan.parameters.enumerated() {
            for index in parameter.values.indices {
                do {
                    _ = try WorldJSON.read(bytes, file: path, overrides: plan.set + [parameter.override(index)], with: WorldSpec.reader)
                } catch {
                    throw SweepError(relabel(error.description, plan: plan, axes: [(axis, index)]))
                }
            }
        }
        var specs: [WorldSpec] = []
        specs.reserveCapacity(plan.configurationCount)
        for configuration in 0..<plan.configurationCount {
            do {
                specs.append(try WorldJSON.read(bytes, file: path, overrides: plan.overrides(of: configuration), with: WorldSpec.reader))
            } catch {
                let axes = Array(plan.valueIndices(of: configuration).enumerated())
                throw SweepError("configuration \(plan.label(of: configuration)): "
                    + relabel(error.description, plan: plan, axes: axes.map { ($0.offset, $0.element) }))
            }
        }
        return specs
    }

    /// Rewrites the reader's `--set #N` for an axis override into `--vary #K (PATH=VALUE)`.
    func relabel(_ message: String, plan: SweepPlan, axes: [(axis: Int, value: Int)]) -> String {
        var text = message
        // Highest position first, so "--set #1" does not also rewrite "--set #12".
        for (offset, entry) in axes.enumerated().reversed() {
            let parameter = plan.parameters[entry.axis]
            text = text.replacingAll("--set #\(plan.set.count + offset + 1)",
                                     with: "--vary #\(entry.axis + 1) (\(parameter.override(entry.value)))")
        }
        return text
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
