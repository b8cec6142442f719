package org.refracturecds.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.refracturecds.validation.ProfileValidator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
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
                "Exit 0 with no error, 1 with errors, 2 when the file cannot be read."})
final class ValidateCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "A FHIR resource or Bundle in JSON.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String text;
        IBaseResource resource;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
            resource = FhirContext.forR4Cached().newJsonParser().parseResource(text);
        } catch (IOException e) {
            err.println("error [PVP-E000] " + file + ": cannot be read: " + Cli.reason(e));
            return Cli.BAD_INPUT;
        } catch (DataFormatException e) {
            err.println("error [PVP-E001] " + file + ": is not FHIR R4 JSON: " + e.getMessage());
            return Cli.BAD_INPUT;
        }
        ProfileValidator validator = ProfileValidator.shared();
        List<ProfileValidator.Issue> issues = new ArrayList<>();
        if (resource instanceof Bundle bundle) {
            for (int i = 0; i < bundle.getEntry().size(); i++) {
                IBaseResource entry = bundle.getEntry().get(i).getResource();
                if (entry != null) {
                    String where = "Bundle.entry[" + i + "].resource";
                    out.println(where + " " + describe(entry));
                    issues.addAll(print(validator.validate(entry).stream().map(issue -> new ProfileValidator.Issue(
                            issue.severity(), issue.under(where), null, null,
                            issue.message())).toList(), out));
                }
            }
        } else {
            out.println(file + " " + describe(resource));
            issues.addAll(print(validator.validate(text, ProfileValidator.profileOf(resource)), out));
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
