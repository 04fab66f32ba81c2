import Foundation

/// The Python side of the benchmark: which interpreter runs the peers' SimPy and Ciw
/// scripts, and whether it can. Nothing is installed from here: a peer that cannot run is
/// a row saying why, never a failure.
public struct PythonPeers: Sendable {
    /// The versions the peers' figures were taken with.
    public static let installHint = "pip install simpy==4.1.2 ciw==3.2.7"

    /// The interpreter (a path), or why there is none.
    public var python: Result<String, Missing>
    /// The folder holding `mmc_simpy.py` and `mmc_ciw.py`, or why there is none.
    public var peers: Result<String, Missing>

    /// Why a piece is missing, in the words of a table row.
    public struct Missing: Error, Sendable, Equatable {
        /// "no Python at /opt/py/bin/python (--python)".
        public var reason: String
    }

    /// Finds the interpreter: `python` if given (it must be an executable file), else the
    /// first `python3` on `PATH`; and the peers' folder: `peers` if given, else
    /// `defaultPeers` when it exists.
    public static func locate(python: String?, peers: String?, defaultPeers: String) -> PythonPeers {
        let files = FileManager.default
        let interpreter: Result<String, Missing>
        if let python {
            interpreter = files.isExecutableFile(atPath: python) ? .success(python)
                : .failure(Missing(reason: "no Python at \(python) (--python)"))
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
            let found = path.split(separator: ":").map { "\($0)/python3" }.first { files.isExecutableFile(atPath: $0) }
            interpreter = found.map { .success($0) } ?? .failure(Missing(reason: "no python3 on PATH; --python PATH names one"))
        }
        let folder: Result<String, Missing>
        var isDirectory: ObjCBool = false
        if let peers {
            folder = files.fileExists(atPath: peers, isDirectory: &isDirectory) && isDirectory.boolValue ? .success(peers)
                : .failure(Missing(reason: "no folder \(peers) (--peers)"))
        } else {
            folder = files.fileExists(atPath: defaultPeers, isDirectory: &isDirectory) && isDirectory.boolValue
                ? .success(defaultPeers)
                : .failure(Missing(reason: "no peers' scripts (\(defaultPeers) is absent; --peers DIR names the folder)"))
        }
        return PythonPeers(python: interpreter, peers: folder)
    }

    /// The child that runs `implementation`'s script for `customers` customers, after
    /// checking that the interpreter can import its module (by running it once), or why
    /// it cannot run.
    public func child(for implementation: BenchImplementation, customers: Int, seed: UInt64) -> Result<ChildProcess, Missing> {
        guard let module = implementation.pythonModule, let script = implementation.script else {
            preconditionFailure("\(implementation) is not a Python peer")
        }
        let python: String
        switch self.python {
        case .success(let path): python = path
        case .failure(let missing): return .failure(Missing(reason: "not installed (\(missing.reason)): \(Self.installHint)"))
        }
        let imports = (try? ChildProcess(program: python, arguments: ["-c", "import \(module)"]).run())?.succeeded ?? false
        guard imports else { return .failure(Missing(reason: "not installed in \(python): \(Self.installHint)")) }
        let folder: String
        switch peers {
        case .success(let path): folder = path
        case .failure(let missing): return .failure(missing)
        }
        let scriptPath = folder + "/" + script
        guard FileManager.default.fileExists(atPath: scriptPath) else {
            return .failure(Missing(reason: "no \(script) in \(folder) (--peers DIR names the folder)"))
        }
        return .success(ChildProcess(program: python, arguments: [scriptPath, String(customers), String(seed)]))
    }
}
