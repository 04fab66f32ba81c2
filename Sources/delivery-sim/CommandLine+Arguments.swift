/// A command line split into options and positional arguments, with the errors a user
/// should see ("--seed needs a value", "unknown option --sed (did you mean --seed?)").
struct Arguments {
    /// Options that take a value, by name (without dashes).
    let valued: Set<String>
    /// Options that are flags.
    let flags: Set<String>
    private(set) var values: [String: [String]] = [:]
    private(set) var setFlags: Set<String> = []
    private(set) var positional: [String] = []

    /// - Parameter repeatable: valued options that may be given more than once (`--set`);
    ///   any other given twice is an error rather than a silent "last one wins".
    init(_ arguments: [String], valued: Set<String>, flags: Set<String>, repeatable: Set<String> = ["set"]) throws(UsageError) {
        self.valued = valued
        self.flags = flags.union(["help", "h"])
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                positional.append(argument)
                continue
            }
            if argument == "--" {
                positional.append(contentsOf: arguments[index...])
                break
            }
            var name = String(argument.drop { $0 == "-" })
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if self.flags.contains(name) {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                setFlags.insert(name)
            } else if valued.contains(name) {
                if values[name] != nil, !repeatable.contains(name) { throw UsageError("--\(name) is given more than once") }
                if let inline {
                    values[name, default: []].append(inline)
                } else {
                    guard index < arguments.count else { throw UsageError("--\(name) needs a value") }
                    values[name, default: []].append(arguments[index])
                    index += 1
                }
            } else {
                let known = (valued.union(flags)).sorted()
                let hint = Self.nearest(name, in: known).map { " (did you mean --\($0)?)" } ?? ""
                throw UsageError("unknown option --\(name)\(hint)")
            }
        }
    }

    /// The last value given for `name`.
    func value(_ name: String) -> String? { values[name]?.last }
    /// Every value given for `name`, in order.
    func all(_ name: String) -> [String] { values[name] ?? [] }
    /// Whether the flag was given.
    func flag(_ name: String) -> Bool { setFlags.contains(name) }

    static func nearest(_ name: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(name, candidate)
            if distance <= 2, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// A mistake in how the command was called; exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
