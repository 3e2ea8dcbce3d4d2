import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configuredSetupView, setupView } from '../lib/fixtures';
import { store } from '../lib/state.svelte';
import { flush, mock, resetAll } from '../test/helpers';
import SetupScreen from './SetupScreen.svelte';

vi.mock('../lib/backend');

async function open(view = setupView()) {
  mock.GetSetup.mockResolvedValue(view);
  const onback = vi.fn();
  const user = userEvent.setup();
  const r = render(SetupScreen, { onback });
  await screen.findByRole('heading', { level: 2, name: 'Microsoft app registration' });
  return { ...r, onback, user };
}

const input = (label: string) => screen.getByLabelText(label, { exact: false, selector: 'input,select' }) as HTMLInputElement;

describe('Setup screen', () => {
  beforeEach(resetAll);

  it('shows both sections, every field labelled, the redirect URI and the demo state', async () => {
    await open();
    expect(screen.getByRole('heading', { level: 1, name: 'Setup' })).toHaveFocus();
    expect(screen.getByRole('heading', { level: 2, name: 'Recall' })).toBeInTheDocument();
    for (const label of [
      'Application (client) ID',
      'Client secret value',
      'Tenant',
      'Authority host',
      'Microsoft Graph host',
      'Redirect host',
      'Response mode',
      'Region',
      'API key',
      'Base URL',
    ]) {
      expect(input(label)).toBeInTheDocument();
    }
    expect(input('Client secret value')).toHaveAttribute('type', 'password');
    expect(input('API key')).toHaveAttribute('type', 'password');
    expect(screen.getByText('http://localhost/callback')).toBeVisible();
    expect(screen.getByText(/Register this redirect URI in Entra under/)).toBeVisible();
    expect(screen.getByText('Outlook Connect is in demo mode.')).toBeVisible();
    expect(screen.getByText(/To use it for real, fill in: Application \(client\) ID, Client secret value, Recall API key/)).toBeVisible();
    const region = input('Region') as unknown as HTMLSelectElement;
    expect(Array.from(region.options).map((o) => o.value)).toEqual(['us-east-1', 'us-west-2', 'eu-central-1', 'ap-northeast-1']);
  });

  it('shows where each value comes from and locks environment settings', async () => {
    await open(configuredSetupView());
    expect(screen.getByText("From your organisation's build")).toBeInTheDocument();
    expect(screen.getAllByText('Saved').length).toBeGreaterThan(0);
    expect(screen.getAllByText('From environment')).toHaveLength(2);
    expect(screen.getAllByText('Default').length).toBeGreaterThan(0);
    expect(screen.getByText("Some settings come from environment variables and can't be changed here.")).toBeVisible();
    expect(input('Region')).toBeDisabled();
    expect(input('API key')).toBeDisabled();
    expect(input('Region')).toHaveAccessibleDescription(/Set by an environment variable/);
    expect(input('Application (client) ID')).toBeEnabled();
    expect(input('Client secret value')).toHaveAttribute('placeholder', 'Saved — leave empty to keep');
    expect(input('Client secret value')).toHaveValue('');
  });

  it('copies the redirect URI', async () => {
    const { user } = await open();
    await user.click(screen.getByRole('button', { name: 'Copy redirect URI' }));
    expect(mock.CopyText).toHaveBeenCalledWith('http://localhost/callback');
  });

  it('validates after editing (debounced) and shows errors under the field', async () => {
    mock.ValidateSetup.mockResolvedValue({
      ok: false,
      errors: [{ field: 'clientId', message: 'This should look like a GUID.' }, { field: 'recallApiKey', message: 'Enter the key.' }],
    });
    const { user } = await open();
    await user.type(input('Application (client) ID'), 'abc');
    await waitFor(() => expect(mock.ValidateSetup).toHaveBeenCalled(), { timeout: 1500 });
    expect(mock.ValidateSetup).toHaveBeenCalledTimes(1); // debounced: one call for three keystrokes
    expect(mock.ValidateSetup.mock.calls[0][0]).toMatchObject({ clientId: 'abc', clientSecret: '', tenant: 'common' });
    const field = input('Application (client) ID');
    await waitFor(() => expect(field).toHaveAttribute('aria-invalid', 'true'));
    expect(field).toHaveAccessibleDescription(/This should look like a GUID\./);
    // untouched fields don't shout
    expect(screen.queryByText('Enter the key.')).not.toBeInTheDocument();
  });

  it('validates right away on blur', async () => {
    mock.ValidateSetup.mockResolvedValue({ ok: false, errors: [{ field: 'tenant', message: 'Not a tenant.' }] });
    await open();
    const tenant = input('Tenant');
    await fireEvent.input(tenant, { target: { value: 'x y' } });
    await fireEvent.blur(tenant);
    await waitFor(() => expect(screen.getByText('Not a tenant.')).toBeInTheDocument());
  });

  it('Test buttons send the form and show the result', async () => {
    mock.TestRecall.mockResolvedValue({
      ok: false,
      message: 'Recall did not accept the key.',
      problem: {
        code: 'recall.unauthorized',
        title: 'Recall did not accept the API key',
        message: 'The key may be wrong.',
        nextStep: 'Copy it again.',
        retryable: false,
        forAdmin: true,
      },
    });
    const { user } = await open();
    await user.type(input('Application (client) ID'), 'id');
    await user.click(screen.getByRole('button', { name: /Test Microsoft settings/ }));
    expect(mock.TestMicrosoft).toHaveBeenCalledWith(expect.objectContaining({ clientId: 'id' }));
    expect(await screen.findByText(/Microsoft knows this app\./)).toBeVisible();

    await user.click(screen.getByRole('button', { name: /Test Recall key/ }));
    expect(mock.TestRecall).toHaveBeenCalled();
    expect(await screen.findByRole('alert', { name: 'Recall did not accept the API key' })).toBeInTheDocument();
  });

  it('Save: on success shows the notice and goes back', async () => {
    mock.SaveSetup.mockResolvedValue({ validation: { ok: true, errors: [] }, view: configuredSetupView() });
    const { user, onback } = await open();
    await user.type(input('Application (client) ID'), 'abc');
    await user.type(input('Client secret value'), 's3cret');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onback).toHaveBeenCalled());
    expect(mock.SaveSetup).toHaveBeenCalledWith(expect.objectContaining({ clientId: 'abc', clientSecret: 's3cret' }));
    expect(store.notice).toBe("Saved. Outlook Connect now uses your organisation's settings.");
    expect(mock.GetAppInfo).toHaveBeenCalled();
  });

  it('Save: validation errors are shown on every field and focus moves to the first', async () => {
    mock.SaveSetup.mockResolvedValue({
      validation: {
        ok: false,
        errors: [
          { field: 'clientId', message: 'Enter the application (client) ID.' },
          { field: 'recallApiKey', message: 'Enter the Recall API key.' },
        ],
      },
    });
    const { user, onback } = await open();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('2 settings need fixing before you can save.')).toBeInTheDocument();
    expect(input('Application (client) ID')).toHaveAttribute('aria-invalid', 'true');
    expect(input('API key')).toHaveAccessibleDescription(/Enter the Recall API key\./);
    await waitFor(() => expect(input('Application (client) ID')).toHaveFocus());
    expect(onback).not.toHaveBeenCalled();
  });

  it('Reset to demo mode asks first, then calls ResetSetup', async () => {
    mock.ResetSetup.mockResolvedValue(setupView());
    const { user } = await open(configuredSetupView());
    await user.click(screen.getByRole('button', { name: 'Reset to demo mode…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Reset to demo mode?' });
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(mock.ResetSetup).toHaveBeenCalledTimes(1));
    expect(await screen.findByText(/Saved settings removed/)).toBeInTheDocument();
  });

  it('imports a picked file; asks for a passphrase when needed and retries', async () => {
    mock.ImportSetupFile.mockResolvedValueOnce({ ok: false, needsPassphrase: true, errors: [], warnings: [] })
      .mockResolvedValueOnce({
        ok: false,
        needsPassphrase: true,
        errors: [],
        warnings: [],
        problem: { code: 'setup.wrong_passphrase', title: 'Wrong passphrase', message: "That passphrase didn't work.", nextStep: '', retryable: true, forAdmin: false },
      })
      .mockResolvedValueOnce({ ok: true, needsPassphrase: false, errors: [], warnings: ['The tenant was ignored.'], view: configuredSetupView() });
    const { user, container } = await open();
    expect(screen.getByRole('button', { name: 'Import setup file…' })).toBeEnabled();
    const fileInput = container.querySelector('input[type=file]') as HTMLInputElement;
    expect(fileInput).toHaveAttribute('accept', '.json,.age,.txt,application/json');
    await user.upload(fileInput, new File(['age-encryption.org/v1'], 'setup.age', { type: 'text/plain' }));
    await waitFor(() => expect(mock.ImportSetupFile).toHaveBeenCalledWith('age-encryption.org/v1', ''));

    const dialog = await screen.findByRole('dialog', { name: "Enter the file's passphrase" });
    const pass = within(dialog).getByLabelText('Passphrase');
    expect(pass).toHaveFocus();
    await user.type(pass, 'wrong{Enter}');
    await waitFor(() => expect(mock.ImportSetupFile).toHaveBeenLastCalledWith('age-encryption.org/v1', 'wrong'));
    expect(await within(dialog).findByText("That passphrase didn't work.")).toBeInTheDocument();
    await user.clear(pass);
    await user.type(pass, 'right');
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(mock.ImportSetupFile).toHaveBeenLastCalledWith('age-encryption.org/v1', 'right');
    expect(await screen.findByText('Setup file imported. Outlook Connect now uses these settings.')).toBeInTheDocument();
    expect(screen.getByText('The tenant was ignored.')).toBeInTheDocument();
    expect(input('Application (client) ID')).toHaveValue('6731de76-14a6-49ae-97bc-6eba6914391e');
  });

  it('imports a dropped file, with a visible drop highlight, and lists per-field errors', async () => {
    mock.ImportSetupFile.mockResolvedValue({
      ok: false,
      needsPassphrase: false,
      errors: [{ field: 'recallRegion', message: 'Unknown region "mars-1".' }],
      warnings: [],
    });
    const { container } = await open();
    const zone = container.querySelector('.dropzone') as HTMLElement;
    const file = new File(['{"recallRegion":"mars-1"}'], 'setup.json', { type: 'application/json' });
    const dataTransfer = { types: ['Files'], files: [file], dropEffect: 'none' };
    await fireEvent.dragEnter(zone, { dataTransfer });
    expect(zone).toHaveClass('active');
    expect(screen.getByText('Drop the file to import it')).toBeInTheDocument();
    await fireEvent.drop(zone, { dataTransfer });
    expect(zone).not.toHaveClass('active');
    await waitFor(() => expect(mock.ImportSetupFile).toHaveBeenCalledWith('{"recallRegion":"mars-1"}', ''));
    expect(await screen.findByText(/The setup file has problems, so nothing was changed/)).toBeInTheDocument();
    expect(screen.getByText(/Unknown region "mars-1"\./).closest('li')).toHaveTextContent('Recall region:');
  });

  it('Export: secrets included by default, passphrase required and must match', async () => {
    const { user } = await open(configuredSetupView());
    await user.click(screen.getByRole('button', { name: /Export setup file…/ }));
    const dialog = screen.getByRole('dialog', { name: 'Export setup file' });
    const include = within(dialog).getByRole('checkbox', { name: /Include the client secret and Recall API key/ });
    expect(include).toBeChecked();
    expect(include).toHaveFocus();
    const submit = within(dialog).getByRole('button', { name: 'Choose where to save…' });
    await user.click(submit);
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Choose a passphrase');
    await user.type(within(dialog).getByLabelText('Passphrase'), 'horse battery');
    await user.type(within(dialog).getByLabelText('Type the passphrase again'), 'horse batery');
    await user.click(submit);
    expect(within(dialog).getByRole('alert')).toHaveTextContent("The two passphrases don't match.");
    expect(mock.ExportSetupFile).not.toHaveBeenCalled();
    await user.clear(within(dialog).getByLabelText('Type the passphrase again'));
    await user.type(within(dialog).getByLabelText('Type the passphrase again'), 'horse battery');
    await user.click(submit);
    await waitFor(() =>
      expect(mock.ExportSetupFile).toHaveBeenCalledWith({ includeSecrets: true, passphrase: 'horse battery', allowPlaintextSecrets: false }),
    );
    expect(await screen.findByText('Setup file saved to /home/sam/outlook-connect-setup.json')).toBeInTheDocument();
  });

  it('Export: readable secrets only after ticking the box; cancelled save shows nothing', async () => {
    mock.ExportSetupFile.mockResolvedValue({ path: '', cancelled: true });
    const { user } = await open(configuredSetupView());
    await user.click(screen.getByRole('button', { name: /Export setup file…/ }));
    const dialog = screen.getByRole('dialog');
    await user.click(within(dialog).getByRole('checkbox', { name: /I understand the secrets will be readable/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Choose where to save…' }));
    await waitFor(() =>
      expect(mock.ExportSetupFile).toHaveBeenCalledWith({ includeSecrets: true, passphrase: '', allowPlaintextSecrets: true }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText(/Setup file saved to/)).not.toBeInTheDocument();
  });

  it('Export without secrets needs no passphrase; Escape closes the dialog', async () => {
    const { user } = await open(setupView());
    await user.click(screen.getByRole('button', { name: /Export setup file…/ }));
    const dialog = screen.getByRole('dialog');
    const include = within(dialog).getByRole('checkbox', { name: /Include the client secret/ });
    expect(include).not.toBeChecked();
    expect(include).toBeDisabled();
    expect(within(dialog).queryByLabelText('Passphrase')).not.toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /Export setup file…/ }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Choose where to save…' }));
    await waitFor(() =>
      expect(mock.ExportSetupFile).toHaveBeenCalledWith({ includeSecrets: false, passphrase: '', allowPlaintextSecrets: false }),
    );
  });

  it('shows a problem card if the settings cannot be loaded', async () => {
    mock.GetSetup.mockRejectedValue(new Error('settings file is damaged'));
    render(SetupScreen, { onback: vi.fn() });
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('settings file is damaged');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeEnabled();
  });

  it('Back and Cancel leave the page', async () => {
    const { user, onback } = await open();
    await user.click(screen.getByRole('button', { name: 'Back' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onback).toHaveBeenCalledTimes(2);
  });
});

describe('Setup screen: meetings and background settings', () => {
  beforeEach(resetAll);

  const select = (label: string) => input(label) as unknown as HTMLSelectElement;
  const fieldOf = (label: string) => input(label).closest('.field') as HTMLElement;

  it('shows both sections with every field labelled, explained, and empty while the default applies', async () => {
    await open();
    expect(screen.getByRole('heading', { level: 2, name: 'Meetings' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 2, name: 'Running in the background' })).toBeInTheDocument();

    const rule = select('Default recording rule');
    expect(Array.from(rule.options).map((o) => [o.value, o.text])).toEqual([
      ['', 'No default — ask each person'],
      ['all_with_link', 'Every meeting with a meeting link'],
      ['external', 'Only meetings with people outside the organisation'],
      ['organised', 'Only meetings the person organises'],
      ['none', 'None — each person picks meeting by meeting'],
    ]);
    expect(rule).toHaveValue('');
    expect(rule).toHaveAccessibleDescription(/nothing is recorded until each person chooses/);
    expect(within(fieldOf('Default recording rule')).getByText('Not set')).toBeInTheDocument();

    expect(Array.from(select('Only meetings the person has accepted').options).map((o) => o.text)).toEqual(['Not set (off)', 'On', 'Off']);
    expect(Array.from(select('Keep scheduling when Outlook Connect is closed').options).map((o) => o.text)).toEqual([
      'Not set (on)',
      'On',
      'Off',
    ]);
    expect(select('Keep scheduling when Outlook Connect is closed')).toHaveValue('');
    expect(within(fieldOf('Keep scheduling when Outlook Connect is closed')).getByText('Default')).toBeInTheDocument();

    const bot = input("Assistant's name");
    expect(bot).toHaveValue('');
    expect(bot).toHaveAttribute('placeholder', 'Meeting Notetaker');
    expect(bot).toHaveAccessibleDescription(/Everyone in the meeting sees this name/);
    expect(within(fieldOf("Assistant's name")).getByText('Default')).toBeInTheDocument();

    expect(input("Your organisation's email domains")).toHaveAccessibleDescription(/Leave empty to use each person's own email domain/);
    const installs = input('Expected number of installs');
    expect(installs).toHaveValue('');
    expect(installs).toHaveAttribute('placeholder', '250');
    expect(installs).toHaveAccessibleDescription(/share the key's request limits at Recall, so the more installs, the less often each one checks/);
  });

  it('saving untouched defaults leaves them unset, so a default never becomes an admin choice', async () => {
    mock.SaveSetup.mockResolvedValue({ validation: { ok: true, errors: [] }, view: configuredSetupView() });
    const { user } = await open();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(mock.SaveSetup).toHaveBeenCalledTimes(1));
    expect(mock.SaveSetup.mock.calls[0][0]).toMatchObject({
      defaultRecordingRule: '',
      defaultAcceptedOnly: '',
      botName: '',
      internalDomains: '',
      keepScheduling: '',
      expectedInstalls: '',
    });
  });

  it('sends what the admin chose', async () => {
    mock.SaveSetup.mockResolvedValue({ validation: { ok: true, errors: [] }, view: configuredSetupView() });
    const second = await open();
    await second.user.selectOptions(select('Default recording rule'), 'external');
    await second.user.selectOptions(select('Only meetings the person has accepted'), 'On');
    await second.user.selectOptions(select('Keep scheduling when Outlook Connect is closed'), 'Off');
    await second.user.type(input("Assistant's name"), 'Contoso Notes');
    await second.user.type(input("Your organisation's email domains"), 'contoso.com, contoso.co.uk');
    await second.user.type(input('Expected number of installs'), '1200');
    await second.user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(mock.SaveSetup).toHaveBeenCalledTimes(1));
    expect(mock.SaveSetup.mock.calls[0][0]).toMatchObject({
      defaultRecordingRule: 'external',
      defaultAcceptedOnly: 'true',
      botName: 'Contoso Notes',
      internalDomains: 'contoso.com, contoso.co.uk',
      keepScheduling: 'false',
      expectedInstalls: '1200',
    });
  });

  it('shows the validation message under the field', async () => {
    mock.ValidateSetup.mockResolvedValue({
      ok: false,
      errors: [{ field: 'expectedInstalls', message: 'Enter a number from 1 to 100,000.' }],
    });
    await open();
    const installs = input('Expected number of installs');
    await fireEvent.input(installs, { target: { value: '0' } });
    await fireEvent.blur(installs);
    await waitFor(() => expect(installs).toHaveAttribute('aria-invalid', 'true'));
    expect(installs).toHaveAccessibleDescription(/Enter a number from 1 to 100,000\./);
    expect(mock.ValidateSetup).toHaveBeenLastCalledWith(expect.objectContaining({ expectedInstalls: '0' }));
  });

  it('locks settings the environment sets, and tags each with its source', async () => {
    await open(
      setupView({
        botName: { value: 'IT Recorder', source: 'environment', locked: true },
        keepScheduling: { value: 'false', source: 'environment', locked: true },
        defaultRecordingRule: { value: 'organised', source: 'profile', locked: false },
        expectedInstalls: { value: '4000', source: 'saved', locked: false },
      }),
    );
    expect(screen.getByText("Some settings come from environment variables and can't be changed here.")).toBeVisible();
    const bot = input("Assistant's name");
    expect(bot).toBeDisabled();
    expect(bot).toHaveValue('IT Recorder');
    expect(bot).toHaveAccessibleDescription(/Set by an environment variable/);
    expect(within(fieldOf("Assistant's name")).getByText('From environment')).toBeInTheDocument();
    const keep = select('Keep scheduling when Outlook Connect is closed');
    expect(keep).toBeDisabled();
    expect(keep).toHaveValue('false');

    expect(select('Default recording rule')).toBeEnabled();
    expect(select('Default recording rule')).toHaveValue('organised');
    expect(within(fieldOf('Default recording rule')).getByText("From your organisation's build")).toBeInTheDocument();
    expect(input('Expected number of installs')).toHaveValue('4000');
    expect(within(fieldOf('Expected number of installs')).getByText('Saved')).toBeInTheDocument();
    expect(input("Your organisation's email domains")).toBeEnabled();
  });

  it('keeps an unknown saved rule visible so it can be corrected', async () => {
    await open(setupView({ defaultRecordingRule: { value: 'everything', source: 'saved', locked: false } }));
    const rule = select('Default recording rule');
    expect(rule).toHaveValue('everything');
    expect(rule.options[0]).toHaveTextContent('everything');
  });
});

describe('Setup screen: Microsoft Graph host', () => {
  beforeEach(resetAll);

  const fieldOf = (label: string) => input(label).closest('.field') as HTMLElement;
  const advancedOf = (label: string) => input(label).closest('details') as HTMLDetailsElement;

  it('is an advanced Microsoft field, empty while the authority decides, with that host as placeholder', async () => {
    await open();
    const graph = input('Microsoft Graph host');
    expect(graph).toBeEnabled();
    expect(graph).toHaveValue('');
    expect(graph).toHaveAttribute('placeholder', 'graph.microsoft.com');
    expect(graph).toHaveAccessibleDescription(/Leave empty to use the authority host's own\. Set dod-graph\.microsoft\.us only for US Government L5 \(DoD\)/);
    expect(within(fieldOf('Microsoft Graph host')).getByText('Default')).toBeInTheDocument();
    expect(advancedOf('Microsoft Graph host')).toBe(advancedOf('Authority host'));
    expect(advancedOf('Microsoft Graph host').open).toBe(false);

    // The placeholder follows the authority as it is typed.
    const authority = input('Authority host');
    await fireEvent.input(authority, { target: { value: 'https://login.microsoftonline.us' } });
    expect(graph).toHaveAttribute('placeholder', 'graph.microsoft.us');
    await fireEvent.input(authority, { target: { value: 'https://LOGIN.chinacloudapi.cn/' } });
    expect(graph).toHaveAttribute('placeholder', 'microsoftgraph.chinacloudapi.cn');
    await fireEvent.input(authority, { target: { value: 'not an address' } });
    expect(graph).toHaveAttribute('placeholder', 'graph.microsoft.com');
  });

  it('sends an empty Graph host while the admin leaves it, so the derived one never becomes a choice', async () => {
    mock.SaveSetup.mockResolvedValue({ validation: { ok: true, errors: [] }, view: configuredSetupView() });
    const { user } = await open();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(mock.SaveSetup).toHaveBeenCalledTimes(1));
    expect(mock.SaveSetup.mock.calls[0][0]).toMatchObject({ graphHost: '' });
  });

  it('sends the Graph host the admin typed', async () => {
    mock.SaveSetup.mockResolvedValue({ validation: { ok: true, errors: [] }, view: configuredSetupView() });
    const { user } = await open(setupView({ authority: { value: 'https://login.microsoftonline.us', source: 'saved', locked: false } }));
    await user.type(input('Microsoft Graph host'), 'dod-graph.microsoft.us');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(mock.SaveSetup).toHaveBeenCalledTimes(1));
    expect(mock.SaveSetup.mock.calls[0][0]).toMatchObject({
      authority: 'https://login.microsoftonline.us',
      graphHost: 'dod-graph.microsoft.us',
    });
  });

  it('is locked, shown and open when the environment sets it', async () => {
    await open(
      setupView({
        authority: { value: 'https://login.microsoftonline.us', source: 'environment', locked: true },
        graphHost: { value: 'dod-graph.microsoft.us', source: 'environment', locked: true },
      }),
    );
    const graph = input('Microsoft Graph host');
    expect(graph).toBeDisabled();
    expect(graph).toHaveValue('dod-graph.microsoft.us');
    expect(graph).toHaveAccessibleDescription(/Set by an environment variable/);
    expect(within(fieldOf('Microsoft Graph host')).getByText('From environment')).toBeInTheDocument();
    expect(advancedOf('Microsoft Graph host').open).toBe(true);
    expect(screen.getByText("Some settings come from environment variables and can't be changed here.")).toBeVisible();
  });

  it('opens the advanced part for a Graph host from the build', async () => {
    await open(setupView({ graphHost: { value: 'dod-graph.microsoft.us', source: 'profile', locked: false } }));
    expect(advancedOf('Microsoft Graph host').open).toBe(true);
    expect(input('Microsoft Graph host')).toBeEnabled();
    expect(within(fieldOf('Microsoft Graph host')).getByText("From your organisation's build")).toBeInTheDocument();
  });

  it("shows Go's message under the field", async () => {
    const message =
      'dod-graph.microsoft.us is the Graph host of US Government DoD (L5), which signs in at https://login.microsoftonline.us, but the authority is https://login.microsoftonline.com. Set the authority to https://login.microsoftonline.us, or leave the Graph host empty to use graph.microsoft.com.';
    mock.ValidateSetup.mockResolvedValue({ ok: false, errors: [{ field: 'graphHost', message }] });
    await open();
    const graph = input('Microsoft Graph host');
    await fireEvent.input(graph, { target: { value: 'dod-graph.microsoft.us' } });
    await fireEvent.blur(graph);
    await waitFor(() => expect(graph).toHaveAttribute('aria-invalid', 'true'));
    expect(graph).toHaveAccessibleDescription(new RegExp(message.replace(/[.()]/g, '\\$&')));
    expect(mock.ValidateSetup).toHaveBeenLastCalledWith(expect.objectContaining({ graphHost: 'dod-graph.microsoft.us' }));
  });
});
