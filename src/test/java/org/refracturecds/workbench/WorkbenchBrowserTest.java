package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.refracturecds.cdshooks.Browser;
import org.refracturecds.store.Database;
import org.refracturecds.store.TestDatabase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The workbench in a real browser (the test run's one headless Chromium), signing in through the
 * test run's OpenID Connect provider, on two nodes of one PostgreSQL: an author raises the High
 * band's lower bound, sees a scenario fail on the cell and in the scenario list, fixes it, keeps a
 * preview as a scenario and changes it in the scenario form, and submits; an approver approves;
 * both nodes' status shows the new version and the audit trail each step; then the previous
 * version is restored the same way, and both nodes serve it again. Screenshots are kept under
 * target/screenshots/.
 */
class WorkbenchBrowserTest {

    static final String HIGH_BOUND = "td[data-file='bands.drl.csv'][data-row='15'][data-col='2']";
    static final String HIGH_MEANING = "td[data-file='bands.drl.csv'][data-row='15'][data-col='5']";

    @TempDir
    static Path dir;
    static WorkbenchService service;
    /** A second node on the same database. */
    static WorkbenchService other;

    @BeforeAll
    static void start() throws Exception {
        Database.Settings database = TestDatabase.POSTGRESQL.fresh(dir);
        Map<String, Object> settings = Map.of("database", database.url(), "databaseUser", database.user());
        service = new WorkbenchService(dir, settings);
        other = new WorkbenchService(dir, settings);
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        other.close();
    }

    private static ChromeDriver browser() {
        ChromeDriver browser = Browser.get();
        browser.manage().deleteAllCookies();
        return browser;
    }

    /**
     * Waits up to a minute, looking every 50 ms (Selenium's default is 500 ms, which a test of some thirty
     * steps pays each time); an element replaced while it is read (the page reloading after a form:
     * Chromium says "stale element" or "node does not belong to the document") is read again.
     */
    private static WebDriverWait waiting(ChromeDriver browser) {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(50));
        wait.ignoring(WebDriverException.class);
        return wait;
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        Files.createDirectories(Path.of("target/screenshots"));
        Files.write(Path.of("target/screenshots", name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private static void signInThroughTheHospital(ChromeDriver browser, String subject, String name, String group) {
        OidcProvider.next(subject, name, List.of(group));
        browser.get(service.base + "/workbench");
        browser.findElement(By.id("signin-oidc")).click();
        waiting(browser).until(b -> b.findElements(By.id("who")).size() == 1);
        assertTrue(browser.findElement(By.id("who")).getText().contains(name), browser.findElement(By.id("who")).getText());
    }

    private static void signOut(ChromeDriver browser) {
        browser.findElement(By.cssSelector(".signout button")).click();
        waiting(browser).until(b -> b.findElements(By.id("signin")).size() == 1);
    }

    /** A browser signed in as an author through the hospital, who has just started a draft with {@code note}. */
    private static ChromeDriver newDraft(String subject, String name, String note) {
        ChromeDriver browser = browser();
        signInThroughTheHospital(browser, subject, name, OidcProvider.AUTHORS);
        browser.findElement(By.id("note")).sendKeys(note);
        browser.findElement(By.cssSelector("#new-draft button")).click();
        return browser;
    }

    /** Types into a grid cell as a person does: select what is there, type over it. */
    private static void type(ChromeDriver browser, String cell, String text) {
        WebElement input = browser.findElement(By.cssSelector(cell + " input"));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), text);
    }

    /** Waits until the page has shown the checks with the scenarios run, for the value just typed. */
    private static void checked(ChromeDriver browser) {
        waiting(browser).until(b -> "scenarios".equals(b.findElement(By.id("main")).getAttribute("data-checked"))
                && !b.findElement(By.id("check-summary")).getText().contains("Running"));
    }

    @Test
    void aSignedOutBrowser_seesOnlyTheSignIn() {
        ChromeDriver browser = browser();
        for (String path : List.of("/workbench", "/workbench/drafts/1", "/workbench/audit")) {
            browser.get(service.base + path);
            assertEquals(1, browser.findElements(By.id("signin")).size(), path);
            assertEquals(0, browser.findElements(By.id("who")).size(), path);
            assertEquals(0, browser.findElements(By.id("grids")).size(), path);
        }
    }

    @Test
    void anAuthorRaisesHigh_seesAScenarioFail_fixesIt_andSubmits_thenAnApproverApproves_andEveryNodeServesIt()
            throws Exception {
        ChromeDriver browser = browser();
        String liveBefore = status(browser, service).path("sha256").asText();

        signInThroughTheHospital(browser, "u-2001", "Dr Ada Author", OidcProvider.AUTHORS);
        browser.findElement(By.id("note")).sendKeys("Say 'percent' in the High band's meaning");
        browser.findElement(By.cssSelector("#new-draft button")).click();
        try {
            waiting(browser).until(b -> !b.findElements(By.cssSelector(HIGH_BOUND + " input")).isEmpty());
        } catch (RuntimeException e) {
            browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).forEach(System.out::println);
            throw e;
        }
        checked(browser);
        assertEquals("0.20", browser.findElement(By.cssSelector(HIGH_BOUND + " input")).getAttribute("value"));
        assertEquals("Lower bound (probability), row 15 (high)",
                browser.findElement(By.cssSelector(HIGH_BOUND + " input")).getAttribute("aria-label"));
        assertTrue(browser.findElement(By.cssSelector("td[data-file='bands.drl.csv'][data-row='15'][data-col='1']"))
                .getAttribute("class").contains("locked"));

        type(browser, HIGH_BOUND, "0.30");
        checked(browser);
        WebElement cell = browser.findElement(By.cssSelector(HIGH_BOUND));
        assertTrue(cell.getAttribute("class").contains("problem"), cell.getAttribute("class"));
        String onTheCell = cell.findElement(By.cssSelector(".cell-problem")).getText();
        assertTrue(onTheCell.contains("fail"), onTheCell);
        assertTrue(onTheCell.contains("band was Moderate, expected high"), onTheCell);
        List<WebElement> failing = browser.findElements(By.cssSelector("#scenario-list tr.fail"));
        assertFalse(failing.isEmpty());
        assertTrue(failing.get(0).getText().contains("pass FAIL"), failing.get(0).getText());
        assertTrue(browser.findElement(By.id("submit")).getAttribute("disabled") != null, "cannot submit while it fails");
        assertEquals("true", browser.findElement(By.cssSelector(HIGH_BOUND + " input")).getAttribute("aria-invalid"));
        screenshot(browser, "workbench-scenario-fails");

        type(browser, HIGH_BOUND, "0.2O");
        waiting(browser).until(b -> b.findElement(By.id("check-summary")).getText().contains("do not compile"));
        assertTrue(browser.findElement(By.cssSelector(HIGH_BOUND + " .cell-problem")).getText()
                .contains("type a number"));

        type(browser, HIGH_BOUND, "0.20");
        checked(browser);
        type(browser, HIGH_MEANING, "predicted risk of 20 percent or more");
        checked(browser);
        assertTrue(browser.findElement(By.id("check-summary")).getText().contains("Ready to submit"),
                browser.findElement(By.id("check-summary")).getText());
        assertTrue(browser.findElements(By.cssSelector("#scenario-list tr.fail")).isEmpty());
        assertTrue(browser.findElement(By.id("change-list")).getText()
                .contains("predicted risk of 20% or more predicted risk of 20 percent or more"));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("pv-phase"))).selectByValue("post-operative");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("pv-npec"))).selectByVisibleText("upper-and-lower");
        browser.findElement(By.id("preview-run")).click();
        waiting(browser).until(b -> !b.findElements(By.id("card-summary")).isEmpty());
        assertTrue(browser.findElement(By.id("card-summary")).getText().startsWith("After PVP"));
        assertFalse(browser.findElements(By.cssSelector("tr.fired")).isEmpty(), "the guidance rows that fired are outlined");
        screenshot(browser, "workbench-preview");
        browser.findElement(By.id("scenario-name")).sendKeys("After PVP, a cleft with no cement contact");
        browser.findElement(By.id("keep")).click();
        checked(browser);
        assertTrue(browser.findElement(By.id("scenario-list")).getText().contains("After PVP, a cleft with no cement contact"
                + " tests/workbench.yaml:"), browser.findElement(By.id("scenario-list")).getText());
        changeTheKeptScenarioInTheForm(browser);
        browser.findElement(By.id("submit")).click();
        waiting(browser).until(b -> b.findElement(By.id("draft-state")).getText().equals("submitted"));
        assertTrue(browser.findElements(By.id("approve")).isEmpty(), "an author has no approve button");
        String draftUrl = browser.getCurrentUrl();
        signOut(browser);

        signInThroughTheHospital(browser, "u-2002", "Dr Ben Approver", OidcProvider.APPROVERS);
        browser.get(draftUrl);
        waiting(browser).until(b -> !b.findElements(By.id("change-list")).isEmpty());
        screenshot(browser, "workbench-review");
        browser.findElement(By.id("approve")).click();
        waiting(browser).until(b -> b.findElement(By.id("draft-state")).getText().equals("published"));

        JsonNode status = status(browser, service);
        String published = status.path("sha256").asText();
        assertNotEquals(liveBefore, published);
        assertEquals(published, status.path("published").path("sha256").asText());
        assertTrue(status.path("inSync").asBoolean());
        bothNodesServe(browser, published);
        browser.get(service.base + "/workbench/audit");
        String audit = browser.findElement(By.id("audit")).getText();
        for (String step : List.of("draft-created", "draft-submitted", "draft-approved", "rules-published", "rules-loaded")) {
            assertTrue(audit.contains(step), step + " in\n" + audit);
        }
        screenshot(browser, "workbench-audit");
        signOut(browser);
        browser.get(draftUrl);
        assertEquals(0, browser.findElements(By.id("grids")).size(), "signed out, the draft is not shown");

        restoreThePreviousVersion(browser, liveBefore);
        bothNodesServe(browser, liveBefore);
    }

    @Test
    void anAuthorAddsAGuidanceRow_isAskedForItsSource_fillsIt_andRemovesTheRowAgain() throws Exception {
        ChromeDriver browser = newDraft("u-2003", "Dr Cy Author", "A second MRI review sentence");
        String add = "#add-guidance-drl-csv-Guidance";
        waiting(browser).until(b -> !b.findElements(By.cssSelector(add)).isEmpty());
        checked(browser);
        assertFalse(browser.findElements(By.cssSelector(".fixed-rows")).stream()
                .noneMatch(p -> p.getText().contains("Rows of Coefficients cannot be added or removed")));
        WebElement last = browser.findElement(By.cssSelector(add + " select option:checked"));
        int row = Integer.parseInt(last.getAttribute("value")) + 1;

        browser.findElement(By.cssSelector(add + " input[name=id]")).sendKeys("G-MRI-EPD-AGAIN");
        browser.findElement(By.cssSelector(add + " button")).click();
        String source = "td[data-file='guidance.drl.csv'][data-row='" + row + "'][data-col='10']";
        waiting(browser).until(b -> !b.findElements(By.cssSelector(source + " .cell-problem")).isEmpty());
        assertTrue(browser.findElement(By.cssSelector(source + " .cell-problem")).getText().contains("no Source"));
        assertEquals("G-MRI-EPD-AGAIN", browser.findElement(By.cssSelector(
                "td[data-file='guidance.drl.csv'][data-row='" + row + "'][data-col='5']")).getText());
        assertTrue(browser.findElement(By.id("change-list")).getText().contains("row added"));
        screenshot(browser, "workbench-row-added");

        type(browser, source, "Table 2");
        checked(browser);
        assertTrue(browser.findElements(By.cssSelector(source + " .cell-problem")).isEmpty());
        assertTrue(browser.findElement(By.id("check-summary")).getText().contains("Ready to submit"),
                browser.findElement(By.id("check-summary")).getText());

        browser.findElement(By.cssSelector("tr[data-row='" + row + "'] button.remove-row[aria-label*='G-MRI-EPD-AGAIN']"))
                .click();
        waiting(browser).until(b -> b.findElement(By.id("changes")).getText().contains("None yet"));
        signOut(browser);
    }

    @Test
    void anAuthorAddsAScenarioToAScenarioFileOfTheDraft_fromTheForm_andDeletesIt() throws Exception {
        ChromeDriver browser = newDraft("u-2005", "Dr Di Author", "A scenario beside the guidance scenarios");
        waiting(browser).until(b -> !b.findElements(By.cssSelector("#sc-file option")).isEmpty());
        checked(browser);

        browser.findElement(By.id("scenario-new")).click();
        WebElement file = browser.findElement(By.id("sc-file"));
        assertTrue(file.isDisplayed(), "a new scenario's file is chosen");
        assertEquals("tests/workbench.yaml", file.getAttribute("value"));
        new Select(file).selectByVisibleText("tests/guidance.yaml");
        String name = "Endplate disruption not reported before PVP asks for the MRI";
        type(browser.findElement(By.id("sc-name")), name);
        type(browser.findElement(By.id("sc-level")), "T12");
        new Select(browser.findElement(By.id("sc-phase"))).selectByValue("pre-operative");
        new Select(browser.findElement(By.id("sc-epd"))).selectByVisibleText("not reported");
        type(browser.findElement(By.id("sc-guidance")), "G-MRI-EPD");
        browser.findElement(By.id("scenario-save")).click();
        checked(browser);

        WebElement row = scenarioRow(browser, name);
        assertTrue(row.getText().contains("tests/guidance.yaml:"), row.getText());
        assertTrue(row.getAttribute("class").contains("pass"), row.getText());
        assertTrue(browser.findElement(By.id("scenario-message")).getText().startsWith("Added the scenario to tests/guidance.yaml"),
                browser.findElement(By.id("scenario-message")).getText());

        openInTheForm(browser, name);
        assertFalse(browser.findElement(By.id("sc-file")).isDisplayed(), "an edited scenario stays in its file");
        browser.findElement(By.id("scenario-delete")).click();
        waiting(browser).until(b -> b.findElement(By.id("changes")).getText().contains("None yet"));
        signOut(browser);
    }

    /**
     * Opens the scenario kept from the preview in the form, expects the wrong band so that it fails
     * with the reason in the list, and changes it back, renamed.
     */
    private static void changeTheKeptScenarioInTheForm(ChromeDriver browser) throws Exception {
        String kept = "After PVP, a cleft with no cement contact";
        openInTheForm(browser, kept);
        assertEquals("post-operative", browser.findElement(By.id("sc-phase")).getAttribute("value"));
        assertEquals("upper-and-lower", browser.findElement(By.id("sc-npec")).getAttribute("value"));
        String band = browser.findElement(By.id("sc-band")).getAttribute("value");
        String wrong = band.equals("low") ? "high" : "low";
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("sc-band"))).selectByVisibleText(wrong);
        browser.findElement(By.id("scenario-save")).click();
        checked(browser);
        WebElement row = scenarioRow(browser, kept);
        assertTrue(row.getAttribute("class").contains("fail"), row.getText());
        assertTrue(row.getText().contains("expected " + wrong), row.getText());
        screenshot(browser, "workbench-scenario-form");

        openInTheForm(browser, kept);
        type(browser.findElement(By.id("sc-name")), kept + ", as the rules give it");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("sc-band"))).selectByVisibleText(band);
        browser.findElement(By.id("scenario-save")).click();
        checked(browser);
        assertTrue(scenarioRow(browser, kept + ", as the rules give it").getAttribute("class").contains("pass"));
        assertTrue(browser.findElement(By.id("check-summary")).getText().contains("Ready to submit"),
                browser.findElement(By.id("check-summary")).getText());
    }

    private static void openInTheForm(ChromeDriver browser, String name) {
        scenarioRow(browser, name).findElement(By.cssSelector("button.edit-scenario")).click();
        waiting(browser).until(b -> b.findElement(By.id("scenario-form")).isDisplayed()
                && name.equals(b.findElement(By.id("sc-name")).getAttribute("value")));
    }

    private static WebElement scenarioRow(ChromeDriver browser, String name) {
        return browser.findElements(By.cssSelector("#scenario-list tbody tr")).stream()
                .filter(tr -> tr.findElement(By.tagName("td")).getText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no scenario " + name + " in\n"
                        + browser.findElement(By.id("scenario-list")).getText()));
    }

    private static void type(WebElement input, String text) {
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), text);
    }

    /**
     * An author makes a draft of the publication with hash {@code sha256} from the list of published
     * versions and submits it; an approver approves it.
     */
    private static void restoreThePreviousVersion(ChromeDriver browser, String sha256) throws Exception {
        signInThroughTheHospital(browser, "u-2001", "Dr Ada Author", OidcProvider.AUTHORS);
        browser.findElement(By.cssSelector("#versions button[aria-label*='sha256:" + sha256.substring(0, 12) + "']")).click();
        waiting(browser).until(b -> b.findElement(By.tagName("h1")).getText().contains("Restore version"));
        checked(browser);
        assertTrue(browser.findElement(By.id("check-summary")).getText().contains("Ready to submit"),
                browser.findElement(By.id("check-summary")).getText());
        browser.findElement(By.id("submit")).click();
        waiting(browser).until(b -> b.findElement(By.id("draft-state")).getText().equals("submitted"));
        String draftUrl = browser.getCurrentUrl();
        signOut(browser);

        signInThroughTheHospital(browser, "u-2002", "Dr Ben Approver", OidcProvider.APPROVERS);
        browser.get(draftUrl);
        waiting(browser).until(b -> !b.findElements(By.id("change-list")).isEmpty());
        browser.findElement(By.id("approve")).click();
        waiting(browser).until(b -> b.findElement(By.id("draft-state")).getText().equals("published"));
        screenshot(browser, "workbench-restored");
        signOut(browser);
    }

    /** Both nodes serve the rules with hash {@code sha256}: this one at once, the other within its poll. */
    private static void bothNodesServe(ChromeDriver browser, String sha256) throws Exception {
        assertEquals(sha256, status(browser, service).path("sha256").asText());
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode there = status(browser, other);
        while (!there.path("sha256").asText().equals(sha256) && System.currentTimeMillis() < deadline) {
            Thread.sleep(300);
            there = status(browser, other);
        }
        assertEquals(sha256, there.path("sha256").asText(), "the other node serves it within its poll: " + there);
        assertTrue(there.path("inSync").asBoolean(), there.toString());
    }

    private static JsonNode status(ChromeDriver browser, WorkbenchService node) throws Exception {
        browser.get(node.base + "/rules/status");
        return new ObjectMapper().readTree(browser.findElement(By.tagName("body")).getText());
    }
}
