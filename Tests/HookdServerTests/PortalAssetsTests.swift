import Foundation
import HookdServerTestSupport
import Testing

/// The portal's files (`Sources/HookdServer/Resources/portal`, bundled as they are): its pages load their ES modules
/// from `/portal/assets/`, and each module loads the modules it imports from beside itself, so every module named
/// must be there, and every module there must be loaded by a page.
@Suite struct PortalAssetsTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Sources/HookdServer/Resources/portal")

    /// The modules `text` loads: `src="/portal/assets/NAME.js"` in a page, `from './NAME.js'` in a module.
    static func modules(loadedBy text: String) -> [String] {
        let scripts = text.matches(of: #/src="/portal/assets/([\w-]+\.js)"/#).map { String($0.output.1) }
        let imports = text.matches(of: #/from '\./([\w-]+\.js)'/#).map { String($0.output.1) }
        return scripts + imports
    }

    @Test func everyModuleThePagesLoadIsThereAndNoneIsLeftOver() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        var reached: Set<String> = []
        var waiting = ["index.html", "operator.html"]
        while let name = waiting.popLast() {
            #expect(files.contains(name), "\(name) is loaded but not in the portal's files")
            guard let text = try? String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
            else { continue }
            for module in Self.modules(loadedBy: text) where reached.insert(module).inserted {
                waiting.append(module)
            }
        }
        let modules = Set(files.filter { $0.hasSuffix(".js") })
        #expect(reached.isSuperset(of: ["app.js", "operator.js", "portal.js", "dom.js", "api.js"]))
        #expect(modules == reached, "there but never loaded: \(modules.subtracting(reached).sorted())")
    }
}
