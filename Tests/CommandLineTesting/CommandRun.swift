public import Foundation

/// One run of a command, as a user at the shell sees it: the exit status and everything
/// printed on each stream.
public struct CommandRun: Sendable {
    /// The exit status (0 success, 1 a failed run or check, 2 bad input).
    public var status: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String

    /// Runs `executable` with `arguments` in `directory` and waits for it to end; the
    /// test's environment, with `environment`'s variables set on top of it.
    ///
    /// Both streams are read to their end before waiting, so a command that prints more
    /// than a pipe holds cannot stall the test.
    public init(_ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        self.stdout = String(decoding: stdout, as: UTF8.self)
        self.stderr = String(decoding: stderr, as: UTF8.self)
    }

    /// The `delivery-sim` the tests were built with: SwiftPM puts it in the build folder
    /// next to (or above) the test bundle, so the tests run the binary of the same build.
    public static let deliverySim: URL = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("delivery-sim").path),
              directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("delivery-sim")
    }()
}
