// swift-tools-version: 6.2
// DeliverySim: a deterministic simulation of a food-delivery platform under overload.
// No package dependencies: the toolchain's Foundation, Dispatch, Synchronization and
// Swift Testing only (product brief).
import PackageDescription

/// Every target keeps nonisolated async functions on their caller's executor (SE-0461):
/// without it every call of a nonisolated helper from a simulation actor would leave the
/// actor, a job of its own through the world's queue, and the worlds' digests would
/// change with the setting.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "DeliverySim",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Resilience", targets: ["Resilience"]),
        .executable(name: "delivery-sim", targets: ["delivery-sim"]),
    ],
    targets: [
        // Layers, arrows pointing down only (see README "Architecture").
        .target(name: "SimKernel", swiftSettings: strict),
        .target(name: "Resilience", swiftSettings: strict),
        .target(name: "World", dependencies: ["SimKernel"], swiftSettings: strict),
        .target(name: "Platform", dependencies: ["SimKernel", "Resilience", "World"], swiftSettings: strict),
        .target(name: "Report", dependencies: ["SimKernel", "World", "Platform"], swiftSettings: strict),
        .target(name: "Sweep", dependencies: ["SimKernel", "World", "Platform", "Report"], swiftSettings: strict),
        // The benchmark: the plain event loop, child processes and the table (`delivery-sim bench`).
        .target(name: "Bench", dependencies: ["SimKernel", "World", "Platform", "Report"], swiftSettings: strict),
        .executableTarget(name: "delivery-sim", dependencies: ["SimKernel", "World", "Platform", "Report", "Sweep", "Bench"], swiftSettings: strict),

        // What the test targets that run the built `delivery-sim` share.
        .target(name: "CommandLineTesting", path: "Tests/CommandLineTesting", swiftSettings: strict),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"], swiftSettings: strict),
        .testTarget(name: "WorldTests", dependencies: ["World", "SimKernel"], swiftSettings: strict),
        .testTarget(name: "ResilienceTests", dependencies: ["Resilience", "SimKernel"], swiftSettings: strict),
        .testTarget(name: "SweepTests", dependencies: ["SimKernel", "World", "Platform", "Report", "Sweep", "CommandLineTesting"], swiftSettings: strict),
        .testTarget(name: "PlatformTests", dependencies: ["SimKernel", "Resilience", "World", "Platform", "Report", "CommandLineTesting"], swiftSettings: strict),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "Platform", "World", "CommandLineTesting"], swiftSettings: strict),
        .testTarget(name: "ReportTests", dependencies: ["SimKernel", "World", "Platform", "Report", "CommandLineTesting"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
