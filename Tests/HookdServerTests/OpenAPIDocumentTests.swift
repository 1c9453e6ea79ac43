import Foundation
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

@Suite struct OpenAPIDocumentTests {
    /// The paths and methods the document declares, read from its `paths:` block.
    static func documentedRoutes() throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var routes = Set<String>()
        var currentPath: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if !line.isEmpty, !line.hasPrefix(" "), !line.hasPrefix("#") { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let path = currentPath,
                let match = line.wholeMatch(of: #/ {4}(get|put|post|delete|patch|head):\s*/#)
            {
                routes.insert("\(match.1.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test func everyRouteOfTheServerIsDocumented() async throws {
        try await TestHarness.with { harness in
            let router = try await HookdNode(configuration: harness.configuration, dependencies: harness.dependencies)
                .router
            // The portal's pages and files are HTML, not API routes: docs/PORTAL.md describes them.
            let served = Set(
                router.routes.filter {
                    !$0.path.description.hasPrefix("portal") && !$0.path.description.hasPrefix("/portal")
                }
                .map { route in
                    let path =
                        route.path.description.hasPrefix("/") ? route.path.description : "/" + route.path.description
                    return "\(route.method.rawValue) \(path.replacing(/:(\w+)/) { "{\($0.1)}" })"
                }
            )
            let documented = try Self.documentedRoutes()
            #expect(served.count >= 10)
            let undocumented = served.subtracting(documented)
            #expect(undocumented.isEmpty, "routes missing from openapi.yaml: \(undocumented.sorted())")
            let stale = documented.subtracting(served)
            #expect(stale.isEmpty, "openapi.yaml documents routes the server lacks: \(stale.sorted())")
        }
    }

    @Test func theDocumentIsServed() async throws {
        try await TestHarness.withClient { _, client in
            let response = try await client.execute(uri: "/api/v3/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            let text = String(buffer: response.body)
            #expect(text.hasPrefix("openapi: 3.1"))
            #expect(text.contains("/api/v3/webhooks/secret/regenerate:"))
        }
    }
}
