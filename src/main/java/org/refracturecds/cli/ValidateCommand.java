package org.refracturecds.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.validation.ProfileValidator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Validates a FHIR R4 resource or Bundle (JSON) offline against this module's profiles"
                + " (fhir-profiles/): an Observation against the profile of its code, a RiskAssessment against"
                + " the module's RiskAssessment profile, anything else against base R4. Prints each error and"
                + " warning with its location.",
                "The file is first read as `assess` reads it (UTF-8, each key once, FHIR R4 JSON element by element);"
                + " what that refuses is printed as `assess` prints it.",
                "Exit 0 with no error, 1 with errors, 2 when the file cannot be read or is refused so."})
final class ValidateCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "A FHIR resource or Bundle in JSON.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // Read as `assess` reads it: what it refuses (a key twice, "true" for true, an element R4 does not have)
        // HAPI's lenient parse would set right or drop before the validator saw it.
        String text;
        List<InputReader.Entry> entries;
        try {
            text = InputReader.text(InputReader.fileBytes(file));
            entries = new InputReader(FhirContext.forR4Cached()).read(text);
        } catch (IOException e) {
            err.println("error [PVP-E000] " + file + ": cannot be read: " + Cli.reason(e));
            return Cli.BAD_INPUT;
        } catch (InputException e) {
            err.println("error " + e.render());
            return Cli.BAD_INPUT;
        }
        ProfileValidator validator = ProfileValidator.shared();
        List<ProfileValidator.Issue> issues = new ArrayList<>();
        if (entries.size() == 1 && InputReader.oneDocument(entries) && !entries.get(0).where().contains(".entry[")) {
            // One resource: the validator reads its text, and names lines and columns.
            IBaseResource resource = entries.get(0).resource();
            out.println(file + " " + describe(resource));
            issues.addAll(print(validator.validate(text, ProfileValidator.profileOf(resource)), out));
        } else {
            for (InputReader.Entry entry : entries) {
                String where = entry.where() + (entry.where().contains(".entry[") ? ".resource" : "");
                out.println(where + " " + describe(entry.resource()));
                issues.addAll(print(validator.validate(entry.resource()).stream().map(issue -> new ProfileValidator.Issue(
                        issue.severity(), issue.under(where), null, null, issue.message())).toList(), out));
            }
        }
        long errors = issues.stream().filter(ProfileValidator.Issue::isError).count();
        out.println(errors + " error" + (errors == 1 ? "" : "s") + ", " + (issues.size() - errors) + " warning"
                + (issues.size() - errors == 1 ? "" : "s"));
        return errors == 0 ? 0 : Cli.INVALID;
    }

    private static String describe(IBaseResource resource) {
        String id = resource.getIdElement().hasIdPart() ? "/" + resource.getIdElement().getIdPart() : "";
        Optional<String> profile = ProfileValidator.profileOf(resource);
        return resource.fhirType() + id + ": against " + profile.map(p -> p.substring(p.lastIndexOf('/') + 1))
                .orElse("base R4 (no profile of this module applies)");
    }

    /** Prints the errors and warnings (not the information) and returns them. */
    private static List<ProfileValidator.Issue> print(List<ProfileValidator.Issue> issues, PrintWriter out) {
        List<ProfileValidator.Issue> shown = issues.stream()
                .filter(issue -> issue.severity().ordinal() >= ResultSeverityEnum.WARNING.ordinal())
                .toList();
        shown.forEach(issue -> out.println("  " + issue.render()));
        return shown;
    }
}
