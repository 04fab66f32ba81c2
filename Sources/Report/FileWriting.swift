import Foundation

/// Writes one file atomically: into a hidden temporary file beside it, then renamed over
/// it, so a reader never sees half a page and a failure leaves the old file as it was.
/// (`report` and `compare` add one file to a folder; a run's folder is written whole by
/// ``OutputDirectory``.)
public enum FileWriting {
    /// Writes `contents` to `path`, creating its folder when `createFolder` is set.
    public static func write(_ contents: String, to path: String, createFolder: Bool = false) throws(OutputError) {
        let manager = FileManager.default
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputError(path: folder.path, reason: "it exists and is a file, not a folder") }
        } else {
            guard createFolder else { throw OutputError(path: folder.path, reason: "no such folder") }
            do { try manager.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw OutputError(path: folder.path, reason: "its folder cannot be created (\(OutputDirectory.reason(error)))")
            }
        }
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputError(path: path, reason: "it is a folder")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        do {
            try Data(contents.utf8).write(to: temporary)
            // rename(2) replaces the old file in one step (Foundation's replaceItemAt
            // does not on every platform).
            guard rename(temporary.path, url.path) == 0 else {
                throw NSError(domain: NSPOSIXErrorDomain, code: Int(errno))
            }
        } catch {
            try? manager.removeItem(at: temporary)
            throw OutputError(path: path, reason: "writing failed (\(OutputDirectory.reason(error)))")
        }
    }
}
