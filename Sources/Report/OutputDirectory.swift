import Foundation

/// Writes a run's files into its output folder all at once: into a hidden temporary
/// folder beside it first, then renamed into place. A run that fails, is interrupted or
/// finds bad input leaves no half-written folder behind (the hidden folder of a run
/// killed while it streamed a trace is removed by the next run written there), and a
/// re-run replaces the old folder whole.
///
/// Because a re-run replaces the folder, the folder must be new, empty, or hold only what
/// an earlier run wrote: every run leaves a ``marker`` file listing its files, and a
/// folder is replaced only when it has that marker and nothing but the files it lists,
/// each a plain file. `--out .`, `--out ~/notes`, a user's own `summary.json` or a folder
/// named `summary.json` are never deleted. ``checkWritable()`` says so before a run
/// starts, so a long simulation is not wasted on a folder it may not write.
public struct OutputDirectory: Sendable {
    /// The final folder, e.g. `output/mmc/42`.
    public let path: String

    /// The file every run writes beside its results: its first line says what wrote the
    /// folder, then one line per result file (`file summary.json`).
    public static let marker = ".delivery-sim-run"
    /// The marker's first line.
    static let markerHeading = "delivery-sim run results: this folder is replaced whole by the next run written here"

    /// Names a run writes.
    public static let resultFiles = ["summary.json", "timeseries.csv", "metrics.om", "timeseries.jsonl", "world.json", "report.html",
                                     "checkpoints.csv", "trace.json", "events.jsonl"]

    /// Names this folder's writer produces (``resultFiles`` for a run; a sweep has its own):
    /// an earlier folder is replaced only if everything in it is one of these, listed by
    /// its ``marker``.
    public let ownFiles: [String]

    /// The folder at `path` for a run's results (trailing slashes dropped, so printed paths
    /// stay clean).
    public init(path: String) { self.init(path: path, ownFiles: Self.resultFiles) }

    /// The folder at `path`, which may be replaced when it holds only `ownFiles` an
    /// earlier writer listed in its marker.
    public init(path: String, ownFiles: [String]) {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        self.path = path
        self.ownFiles = ownFiles
    }

    /// The default folder for a world and seed: `output/<world>/<seed>`, or
    /// `output/<world>/<seed>-<tag>` for a run with overrides (``Provenance/overridesTag``),
    /// so runs of different settings never replace each other's results.
    public static func standard(world: String, seed: UInt64, tag: String? = nil, root: String = "output") -> OutputDirectory {
        OutputDirectory(path: "\(root)/\(world)/\(seed)" + (tag.map { "-\($0)" } ?? ""))
    }

    /// Checks, without writing anything, that the results can go to `path`: it is not
    /// empty, is not a file, holds nothing but an earlier run's results, and its nearest
    /// existing ancestor is a folder this process may write.
    public func checkWritable() throws(OutputError) {
        guard !path.isEmpty else { throw OutputError(path: path, reason: "the output folder is an empty path") }
        let manager = FileManager.default
        let final = URL(fileURLWithPath: path).standardizedFileURL
        // Renaming the folder away would swap a symbolic link for a real folder, or leave
        // the shell standing in a deleted one.
        if (try? manager.attributesOfItem(atPath: final.path)[.type] as? FileAttributeType) == .typeSymbolicLink {
            throw OutputError(path: path, reason: "it is a symbolic link; give the folder it points to")
        }
        let here = URL(fileURLWithPath: manager.currentDirectoryPath).standardizedFileURL.path
        if here == final.path || here.hasPrefix(final.path == "/" ? "/" : final.path + "/") {
            throw OutputError(path: path, reason: "it is the current folder or holds it; a run replaces its output folder whole")
        }
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: final.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputError(path: path, reason: "it exists and is a file, not a folder") }
            let contents: [String]
            do { contents = try manager.contentsOfDirectory(atPath: final.path) } catch {
                throw OutputError(path: path, reason: "its contents cannot be listed (\(Self.reason(error)))")
            }
            let ours = Self.filesWritten(in: final)
            let foreign = contents.filter { name in
                guard let ours, name == Self.marker || (ours.contains(name) && ownFiles.contains(name)) else { return true }
                // A run writes plain files only: a folder of that name is someone else's.
                let type = try? manager.attributesOfItem(atPath: final.appendingPathComponent(name).path)[.type] as? FileAttributeType
                return type != .typeRegular
            }.sorted()
            if !foreign.isEmpty {
                let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
                let why = ours == nil ? "no earlier run of delivery-sim marked it as its own (\(Self.marker))"
                    : "it holds what no earlier run wrote (\(shown))"
                throw OutputError(path: path, reason: "\(why); a run replaces its output folder whole and never "
                    + "deletes what it did not write, so choose a new or empty folder")
            }
        }
        // The rename into place needs write access to the parent; folders to be created
        // need it on the nearest one that exists.
        var ancestor = final.deletingLastPathComponent()
        while !manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), ancestor.path != "/" {
            ancestor = ancestor.deletingLastPathComponent()
        }
        guard isDirectory.boolValue else {
            throw OutputError(path: path, reason: "\(ancestor.path) is a file, so no folder can be made inside it")
        }
        guard manager.isWritableFile(atPath: ancestor.path) else {
            throw OutputError(path: path, reason: "\(ancestor.path) is not writable")
        }
    }

    /// The result files an earlier run's marker in `folder` lists, or nil when the folder
    /// has no marker this tool wrote.
    static func filesWritten(in folder: URL) -> Set<String>? {
        let url = folder.appendingPathComponent(marker)
        guard (try? FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType) == .typeRegular,
              let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.first == markerHeading else { return nil }
        return Set(lines.dropFirst().compactMap { $0.hasPrefix("file ") ? String($0.dropFirst(5)) : nil })
    }

    /// Writes `files` (name → contents) and the ``marker`` listing them, and moves them
    /// into place; returns the paths.
    public func write(_ files: [(name: String, contents: String)]) throws(OutputError) -> [String] {
        try commit(try stage(), files)
    }

    /// Makes the hidden temporary folder a run writes into: files streamed while the
    /// world runs (`run --trace`) go there, and ``commit(_:_:)`` moves it into place.
    public func stage() throws(OutputError) -> StagedOutput {
        try checkWritable()
        let manager = FileManager.default
        let final = URL(fileURLWithPath: path).standardizedFileURL
        let parent = final.deletingLastPathComponent()
        let token = "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let staging = parent.appendingPathComponent(".\(final.lastPathComponent).tmp-\(token)")
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            Self.removeAbandonedStaging(of: final)
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw OutputError(path: path, reason: "its folder cannot be created (\(Self.reason(error)))")
        }
        return StagedOutput(path: staging.path, token: token)
    }

    /// Removes the hidden temporary folders that earlier runs to `final` left when they
    /// were stopped before their commit (Ctrl-C, `kill`, a crash) while streaming
    /// `--trace` files into them: nothing else would, and a traced run's can hold hundreds
    /// of megabytes. A folder is removed only when the process named in it (`tmp-<pid>-`)
    /// no longer exists, so a run writing there right now keeps its own.
    static func removeAbandonedStaging(of final: URL) {
        let prefix = ".\(final.lastPathComponent).tmp-"
        let parent = final.deletingLastPathComponent()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names.sorted() where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0,
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    /// Writes `files` into `staged` with the ``marker`` listing everything the folder
    /// holds, then moves it into place (replacing an earlier run's folder); returns the
    /// paths of every file the folder holds, `files` last.
    public func commit(_ staged: StagedOutput, _ files: [(name: String, contents: String)]) throws(OutputError) -> [String] {
        let manager = FileManager.default
        let final = URL(fileURLWithPath: path).standardizedFileURL
        let parent = final.deletingLastPathComponent()
        let staging = URL(fileURLWithPath: staged.path)
        let streamed = ((try? manager.contentsOfDirectory(atPath: staged.path)) ?? [])
            .filter { name in !files.contains { $0.name == name } }.sorted()
        do {
            for file in files {
                try Data(file.contents.utf8).write(to: staging.appendingPathComponent(file.name))
            }
            let written = (files.map(\.name) + streamed).filter { $0 != Self.marker }
            let marker = ([Self.markerHeading] + written.map { "file \($0)" }).joined(separator: "\n") + "\n"
            try Data(marker.utf8).write(to: staging.appendingPathComponent(Self.marker))
            if manager.fileExists(atPath: final.path) {
                let old = parent.appendingPathComponent(".\(final.lastPathComponent).old-\(staged.token)")
                try manager.moveItem(at: final, to: old)
                do {
                    try manager.moveItem(at: staging, to: final)
                } catch {
                    try? manager.moveItem(at: old, to: final) // put the earlier results back
                    throw error
                }
                try? manager.removeItem(at: old)
            } else {
                try manager.moveItem(at: staging, to: final)
            }
        } catch {
            discard(staged)
            throw OutputError(path: path, reason: "writing failed (\(Self.reason(error)))")
        }
        return (files.map(\.name) + streamed).map { "\(path)/\($0)" }
    }

    /// Removes `staged` and what was written into it (the run failed before its commit).
    public func discard(_ staged: StagedOutput) {
        try? FileManager.default.removeItem(atPath: staged.path)
    }

    /// A one-line reason for a file-system error, without Foundation's dump of user info.
    static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain, let message = strerror(Int32(error.code)) {
            return String(cString: message).lowercased()
        }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let message = strerror(Int32(underlying.code)) {
            return String(cString: message).lowercased()
        }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
        case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
        case .fileWriteFileExists: return "a file is in the way"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        default: return "file system error \(error.code)"
        }
    }
}

/// The hidden temporary folder a run's files are written into before they move into
/// place (see ``OutputDirectory/stage()``).
public struct StagedOutput: Sendable {
    /// The temporary folder.
    public let path: String
    /// Its unique suffix, shared by the folder an earlier run's results move to meanwhile.
    let token: String
}

/// Why a run's results cannot be written where they were asked to go.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    /// The output folder as given.
    public let path: String
    /// What is wrong, in a phrase.
    public let reason: String

    /// A reason the results cannot go to `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write results to \"\(path)\": \(reason)" }
}
