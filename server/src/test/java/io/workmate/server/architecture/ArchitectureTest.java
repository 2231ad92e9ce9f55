package io.workmate.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.Slice;
import java.util.Set;

/**
 * The layering the build promises, checked on the production classes of every module the server
 * sees: protocol, native, persistence, actors and server. bench is not among them: it is not on
 * the server's classpath, and it is a leaf that uses actors and that nothing depends on.
 *
 * <p>Maven's classpaths already keep a module from seeing the modules above it; these rules say it
 * in one place, keep the packages of each module in their layer, keep the wire formats free of
 * Pekko, and forbid cycles between packages, which Maven cannot see.
 */
@AnalyzeClasses(packages = "io.workmate",
    importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class ArchitectureTest {

  static final String PROTOCOL = "io.workmate.protocol..";
  static final String NATIVE = "io.workmate.nativeos..";
  static final String PERSISTENCE = "io.workmate.persistence..";
  /** The root packages of the actors module, each under io.workmate. */
  static final Set<String> ACTORS_ROOTS = Set.of(
      "agents", "codex", "gateway", "jobs", "memory", "registry", "runtime", "support",
      "workspaces");
  static final String[] ACTORS = ACTORS_ROOTS.stream().sorted()
      .map(root -> "io.workmate." + root + "..").toArray(String[]::new);
  static final String SERVER = "io.workmate.server..";

  /** The module rule of the root pom: protocol ← native / persistence ← actors ← server. */
  @ArchTest
  static final ArchRule modulesDependOneWay = layeredArchitecture()
      .consideringOnlyDependenciesInLayers()
      .ensureAllClassesAreContainedInArchitecture()
      .layer("protocol").definedBy(PROTOCOL)
      .layer("native").definedBy(NATIVE)
      .layer("persistence").definedBy(PERSISTENCE)
      .layer("actors").definedBy(ACTORS)
      .layer("server").definedBy(SERVER)
      .whereLayer("server").mayNotBeAccessedByAnyLayer()
      .whereLayer("actors").mayOnlyBeAccessedByLayers("server")
      .whereLayer("native").mayOnlyBeAccessedByLayers("actors", "server")
      .whereLayer("persistence").mayOnlyBeAccessedByLayers("actors", "server")
      .whereLayer("protocol")
      .mayOnlyBeAccessedByLayers("native", "persistence", "actors", "server");

  /** The wire formats are plain Jackson records: no actor, stream or HTTP type in them. */
  @ArchTest
  static final ArchRule protocolIsFreeOfPekko = noClasses().that().resideInAPackage(PROTOCOL)
      .should().dependOnClassesThat().resideInAPackage("org.apache.pekko..");

  /** Inside actors/, the packages (agents, codex, jobs, registry, ...) form no cycle. */
  @ArchTest
  static final ArchRule actorsPackagesHaveNoCycles = slices()
      .matching("io.workmate.(*)..").namingSlices("actors/$1")
      .that(DescribedPredicate.describe("are the packages of actors/",
          (Slice slice) -> ACTORS_ROOTS.contains(slice.getNamePart(1))))
      .should().beFreeOfCycles();

  /** Across the whole code base, no two top-level packages depend on each other. */
  @ArchTest
  static final ArchRule noCyclesBetweenTopLevelPackages = slices()
      .matching("io.workmate.(*)..")
      .should().beFreeOfCycles();

  /** Nor do any two packages at any depth (e.g. {@code jobs} and {@code jobs.dispatch}). */
  @ArchTest
  static final ArchRule noCyclesBetweenAnyPackages = slices()
      .matching("io.workmate.(**)")
      .should().beFreeOfCycles();

  /** Keeps the test-jar a module shares with its dependents (actors' tests) out of the import. */
  static final class NoTestJars implements ImportOption {
    @Override
    public boolean includes(Location location) {
      return !location.contains("-tests.jar");
    }
  }
}
