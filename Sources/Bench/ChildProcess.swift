import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One program run as a child process, waited for with `wait4(2)`, which returns that
/// child's own resource usage: its CPU time and peak resident memory, not the sum over
/// every child the benchmark ever ran (what `getrusage(RUSAGE_CHILDREN)` gives; its
/// `maxrss` is the largest of them, so it cannot be differenced per child). Foundation's
/// `Process` reaps its children itself and keeps the usage to itself, hence `fork`/`exec`
/// (`posix_spawn` outside Linux).
public struct ChildProcess: Sendable {
    /// How a child ended and what it cost.
    public struct Outcome: Sendable, Equatable {
        /// Its standard output and standard error, interleaved as written.
        public var output: String
        /// The exit status, or nil when a signal ended it.
        public var exitStatus: Int32?
        /// The signal that ended it, if one did.
        public var signal: Int32?
        /// From spawning to being reaped, seconds (monotonic clock).
        public var wallSeconds: Double
        /// CPU time in user mode, seconds.
        public var userSeconds: Double
        /// CPU time in the kernel on its behalf, seconds.
        public var systemSeconds: Double
        /// Peak resident set size, bytes.
        public var peakResidentBytes: Int

        /// An outcome as observed.
        public init(output: String, exitStatus: Int32?, signal: Int32?, wallSeconds: Double, userSeconds: Double,
                    systemSeconds: Double, peakResidentBytes: Int) {
            self.output = output
            self.exitStatus = exitStatus
            self.signal = signal
            self.wallSeconds = wallSeconds
            self.userSeconds = userSeconds
            self.systemSeconds = systemSeconds
            self.peakResidentBytes = peakResidentBytes
        }

        /// Whether it exited with status 0.
        public var succeeded: Bool { exitStatus == 0 }

        /// "exit status 1" or "killed by signal 9".
        public var ending: String {
            if let exitStatus { return "exit status \(exitStatus)" }
            return "killed by signal \(signal ?? 0)"
        }
    }

    /// Why a child could not be started.
    public struct SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The program.
        public var program: String
        /// `strerror` of the failure.
        public var reason: String
        /// "cannot start /usr/bin/python3: No such file or directory".
        public var description: String { "cannot start \(program): \(reason)" }
    }

    /// The program: a path (not searched for in `PATH`).
    public var program: String
    /// Its arguments, without the program's name.
    public var arguments: [String]

    /// A child running `program` with `arguments`.
    public init(program: String, arguments: [String]) {
        self.program = program
        self.arguments = arguments
    }

    /// Runs the child to its end, with this process's environment and working directory,
    /// its standard input from /dev/null and its output captured.
    public func run() throws(SpawnError) -> Outcome {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw SpawnError(program: program, reason: Self.errorText()) }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        // The `environ` global cannot be named under strict concurrency; Foundation's copy
        // of the environment is the same.
        let pairs: [String] = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let environment: [UnsafeMutablePointer<CChar>?] = pairs.map { strdup($0) } + [nil]
        let devNull = strdup("/dev/null")
        defer { for pointer in argv + environment + [devNull] { free(pointer) } }
        guard access(program, X_OK) == 0 else {
            close(readEnd)
            close(writeEnd)
            throw SpawnError(program: program, reason: Self.errorText())
        }
        var started = timespec()
        clock_gettime(CLOCK_MONOTONIC, &started)
        #if os(Linux)
        // fork, not posix_spawn: Linux starts a child's peak-memory count (ru_maxrss) at
        // the peak of the memory it replaced at exec, and posix_spawn's vfork child
        // replaces the parent's whole address space, so every child would report at least
        // the benchmark's own peak. A forked child's copy holds only the parent's
        // anonymous pages (about 2 MB here), below any implementation's own footprint, so
        // the figure is the child's. Between fork and exec only async-signal-safe calls.
        let pid = fork()
        if pid == 0 {
            let input = open(devNull!, O_RDONLY)
            dup2(input, 0)
            dup2(writeEnd, 1)
            dup2(writeEnd, 2)
            close(readEnd)
            close(writeEnd)
            close(input)
            argv.withUnsafeBufferPointer { arguments in
                environment.withUnsafeBufferPointer { _ = execve(arguments[0]!, arguments.baseAddress!, $0.baseAddress!) }
            }
            _exit(127)
        }
        close(writeEnd)
        guard pid > 0 else {
            let reason = Self.errorText()
            close(readEnd)
            throw SpawnError(program: program, reason: reason)
        }
        #else
        var actions: posix_spawn_file_actions_t? = nil
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, devNull!, O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environment)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw SpawnError(program: program, reason: String(cString: strerror(spawned)))
        }
        #endif
        // Read to the end before reaping: a child blocked on a full pipe never exits.
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 {
                output += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(readEnd)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw SpawnError(program: program, reason: "waiting for it failed: " + Self.errorText()) }
        }
        var ended = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ended)
        // WIFEXITED/WEXITSTATUS are macros Swift cannot import: the low 7 bits hold the
        // terminating signal (0 for a normal exit), the next 8 the exit status.
        let signal = status & 0x7f
        return Outcome(
            output: String(decoding: output, as: UTF8.self),
            exitStatus: signal == 0 ? (status >> 8) & 0xff : nil,
            signal: signal == 0 ? nil : signal,
            wallSeconds: Self.seconds(ended) - Self.seconds(started),
            userSeconds: Self.seconds(usage.ru_utime),
            systemSeconds: Self.seconds(usage.ru_stime),
            peakResidentBytes: Self.bytes(maxrss: Int(usage.ru_maxrss)))
    }

    /// Linux reports `ru_maxrss` in kibibytes, macOS in bytes.
    static func bytes(maxrss: Int) -> Int {
        #if canImport(Darwin)
        maxrss
        #else
        maxrss * 1024
        #endif
    }

    static func seconds(_ time: timespec) -> Double { Double(time.tv_sec) + Double(time.tv_nsec) / 1e9 }
    static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    static func errorText() -> String { String(cString: strerror(errno)) }
}
