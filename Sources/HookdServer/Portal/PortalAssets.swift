import Foundation
import NIOCore

/// The portal's files (HTML, CSS, JavaScript, SVG), read once from the package's resources and served from memory.
struct PortalAssets: Sendable {
    /// One file and the type it is served with.
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
    }

    /// The files by name (`index.html`, `portal.css`, …); the directory is flat.
    let files: [String: Asset]

    /// The content type of each extension served; a file of any other kind is not served.
    static let contentTypes = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
    ]

    /// The files of `Resources/portal` bundled with the server.
    static func bundled() throws -> PortalAssets {
        guard let directory = Bundle.module.url(forResource: "portal", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try PortalAssets(directory: directory)
    }

    /// The files of `directory` whose extension is served.
    init(directory: URL) throws {
        var files: [String: Asset] = [:]
        for url in try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) {
            guard let contentType = Self.contentTypes[url.pathExtension.lowercased()] else { continue }
            files[url.lastPathComponent] = Asset(
                bytes: ByteBuffer(bytes: try Data(contentsOf: url)),
                contentType: contentType
            )
        }
        self.files = files
    }
}
