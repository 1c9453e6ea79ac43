import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension HMAC {
    /// Feeds any collection of bytes, without a copy when its storage is contiguous.
    mutating func update(bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(data: UnsafeRawBufferPointer(buffer))
        }
        if done == nil { update(data: Array(bytes)) }
    }
}
