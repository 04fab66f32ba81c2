import Foundation

/// Writes a run's files into its output folder all at once: into a hidden temporary
/// folder beside it first, then renamed into place. A run that fails, is interrupted or
/// finds bad input leaves no half-written folder behind, and a re-run replaces the old
/// folder whole.
public struct OutputDirectory: Sendable {
    /// The final folder, e.g. `output/mmc/42`.
    public let path: String

    /// The folder at `path`.
    public init(path: String) { self.path = path }

    /// The default folder for a world and seed: `output/<world>/<seed>`.
    public static func standard(world: String, seed: UInt64, root: String = "output") -> OutputDirectory {
        OutputDirectory(path: "\(root)/\(world)/\(seed)")
    }

    /// Writes `files` (name → contents) and moves them into place; returns the paths.
    public func write(_ files: [(name: String, contents: String)]) throws -> [String] {
        let manager = FileManager.default
        let final = URL(fileURLWithPath: path)
        let parent = final.deletingLastPathComponent()
        try manager.createDirectory(at: parent, withIntermediateDirectories: true)
        let token = "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let staging = parent.appendingPathComponent(".\(final.lastPathComponent).tmp-\(token)")
        try manager.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            for file in files {
                try Data(file.contents.utf8).write(to: staging.appendingPathComponent(file.name))
            }
            if manager.fileExists(atPath: final.path) {
                let old = parent.appendingPathComponent(".\(final.lastPathComponent).old-\(token)")
                try manager.moveItem(at: final, to: old)
                try manager.moveItem(at: staging, to: final)
                try? manager.removeItem(at: old)
            } else {
                try manager.moveItem(at: staging, to: final)
            }
        } catch {
            try? manager.removeItem(at: staging)
            throw error
        }
        return files.map { "\(path)/\($0.name)" }
    }
}
