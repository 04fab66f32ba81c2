import Testing
import World

/// Valid worlds that are probably not what their authors meant are read, with a warning.
@Suite("World warnings")
struct WorldWarningsTests {
    /// A newcomer's first world: an `api` meant to call a `db`, both generic.
    private let chain = #"""
    {
      "version": 1, "name": "shop", "duration": "30m",
      "traffic": { "rate": "5/s", "journeys": [ { "kind": "request", "service": "api" } ] },
      "services": {
        "api": { "workers": 4, "calls": { "db": { "timeout": "500ms", "retry": { "attempts": 2 } } } },
        "db": { "workers": 2 }
      }
    }
    """#

    private func read(_ text: String, _ overrides: [String] = []) throws -> WorldSpec {
        try WorldJSON.read(Array(text.utf8), file: "w.json", overrides: overrides, with: WorldSpec.reader)
    }

    @Test("call policies on a generic service, which calls nothing, are named as never used")
    func genericCalls() throws {
        #expect(try read(chain).warnings == [
            "services.api.calls: api is a generic service, which only does its work and calls no other service, "
                + "so these policies are never used (services playing a platform role make calls)",
        ])
        #expect(try read(chain, ["services.api.calls={}"]).warnings.isEmpty)
        // Played as a platform role, the same service's policies are its own calls' policies.
        #expect(try read(chain, [#"services.api.role="gateway""#]).warnings.isEmpty)
    }
}
