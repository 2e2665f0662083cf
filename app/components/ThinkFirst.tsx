// "Think first" for a task: offered when the loaded model's template can switch reasoning off
// (then tasks ask for none unless this is on); a model that always reasons gets a note instead.
import { Match, Switch } from 'solid-js';
import { models } from '../state/models.ts';

export function ThinkFirst(props: { id: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <Switch>
      <Match when={models.loaded?.reasoning === 'switchable'}>
        <span class="check">
          <input id={props.id} type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.currentTarget.checked)} />
          <label for={props.id}>Think first</label>
        </span>
      </Match>
      <Match when={models.loaded?.reasoning === 'always'}>
        <span class="muted" data-testid="always-reasons">This model always reasons before it answers; its reasoning is kept apart from the answer.</span>
      </Match>
    </Switch>
  );
}
