import Foundation
import SimKernel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a benchmark's figures depend on besides the code: the machine, how busy it was,
/// and how the tool was built.
public struct MachineFacts: Sendable, Equatable {
    /// Processors available to this process.
    public var cores: Int
    /// The 1-, 5- and 15-minute load averages when the benchmark started (empty where
    /// the system does not report them).
    public var loadAverage: [Double]
    /// The Swift compiler that built the tool (language-version granularity).
    public var swiftVersion: String
    /// `debug` or `release`.
    public var buildConfiguration: String
    /// The operating system, as Foundation names it.
    public var operatingSystem: String
    /// Whether the tool's heap asks for huge pages (``HugePageHeap``; a big world's cost
    /// per step depends on it).
    public var hugePageHeap: Bool

    /// Facts as given.
    public init(cores: Int, loadAverage: [Double], swiftVersion: String, buildConfiguration: String, operatingSystem: String,
                hugePageHeap: Bool = false) {
        self.cores = cores
        self.loadAverage = loadAverage
        self.swiftVersion = swiftVersion
        self.buildConfiguration = buildConfiguration
        self.operatingSystem = operatingSystem
        self.hugePageHeap = hugePageHeap
    }

    /// Facts about the machine now.
    public static func current() -> MachineFacts {
        var loads = [Double](repeating: 0, count: 3)
        let read = getloadavg(&loads, 3)
        return MachineFacts(cores: ProcessInfo.processInfo.activeProcessorCount,
                            loadAverage: read == 3 ? loads : [],
                            swiftVersion: compilerVersion, buildConfiguration: buildConfiguration,
                            operatingSystem: ProcessInfo.processInfo.operatingSystemVersionString,
                            hugePageHeap: HugePageHeap.isEnabled)
    }

    /// Whether the tool was built without optimisation: its timings say little about the code.
    public var isDebugBuild: Bool { buildConfiguration == "debug" }

    /// SwiftPM defines `DEBUG` in debug builds only.
    static var buildConfiguration: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    /// The compiler version, known only at compile time.
    static var compilerVersion: String {
        #if compiler(>=6.5)
        "6.5 or later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "before 6.2"
        #endif
    }
}
