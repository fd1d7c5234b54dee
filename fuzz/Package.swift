// swift-tools-version:6.0
// The fuzz targets of ScaleLab's input readers, built with libFuzzer (scripts/fuzz.sh):
//   swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
// A package of its own, so that the main package's builds never carry the fuzzer's
// instrumentation, and so that it depends only on the pure modules the readers live in
// (LawFitting and ScalingLaws: no SQLite, PostgreSQL or BLAS to instrument and build).
import PackageDescription

let package = Package(
    name: "ScaleLabFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "ScaleLab", path: "..")],
    targets: [
        .executableTarget(
            name: "scalelab-fuzz",
            dependencies: [
                .product(name: "LawFitting", package: "ScaleLab"),
                .product(name: "ScalingLaws", package: "ScaleLab"),
            ]
        ),
    ]
)
