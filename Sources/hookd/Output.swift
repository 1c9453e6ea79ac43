import Foundation

/// Writes a line to standard output and flushes it, so a script reading the pipe sees it at once.
func emit(_ line: String) {
    print(line)
    fflush(nil)
}

/// Writes a line to standard error.
func emitError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
