// CDI's DataVolume controller, as far as a VM can tell: phase <Kind>Scheduled → <Kind>InProgress
// (with progress) → Succeeded over cloneDelay, with the Bound / Running / Ready conditions CDI
// v1.66 writes (pkg/controller/datavolume/conditions.go). Kind is Clone for pvc/snapshot/DataSource
// sources, Upload for upload (which then waits in UploadReady, as nobody uploads), Import otherwise.
// No PVC is created: status.claimName names the one CDI would have made.
//
// Failure injection: `simulator.kubevdi.io/failure: CloneFails` on the DataVolume or on the VM that
// owns it makes the transfer fail halfway (phase Failed, Running=False reason Error).
import { type Context, queueKey } from './context.js';
import { CDI_CONTROLLER, DATA_VOLUMES, errorCode, isConflict } from './kube.js';
import { canonical, getCondition, setCondition, timestamp } from './status.js';
import { type Condition, controllerOf, type DataVolume, type DataVolumeStatus, failureMode } from './types.js';

const KIND = 'DataVolume';
const SCHEDULED_SHARE = 0.2;
const TRANSFER_SHARE = 0.8;

type TransferKind = 'Clone' | 'Import' | 'Upload';

function transferKind(dv: DataVolume): TransferKind {
  const source = dv.spec.source ?? {};
  if (dv.spec.sourceRef || source.pvc || source.snapshot) return 'Clone';
  if (source.upload) return 'Upload';
  return 'Import';
}

export async function reconcileDataVolume(ctx: Context, k: string): Promise<void> {
  const dv = ctx.dvs.get(k);
  if (!dv || dv.metadata.deletionTimestamp) return;
  if (ctx.stale.isStale(queueKey.dv(k), dv.metadata.resourceVersion)) return;
  const now = Date.now();
  const kind = transferKind(dv);
  const ref = controllerOf(dv);
  const owner = ref?.kind === 'VirtualMachine' ? ctx.vms.get(`${dv.metadata.namespace}/${ref.name}`) : undefined;
  const fails = failureMode(dv, owner?.metadata.uid === ref?.uid ? owner : undefined) === 'CloneFails';
  const clone = ctx.config.cloneDelayMs;
  const old: DataVolumeStatus = dv.status ?? {};
  const status: DataVolumeStatus = structuredClone(old);
  const phase = old.phase ?? '';
  const claim = dv.metadata.name;
  let wakeInMs: number | undefined;

  const set = (c: Condition) => {
    status.conditions = setCondition(status.conditions, c);
  };
  const cond = (type: string, s: Condition['status'], reason = '', message = ''): Condition => ({
    type,
    status: s,
    reason,
    message,
    lastHeartbeatTime: timestamp(now),
    lastTransitionTime: timestamp(now),
  });

  if (phase === '' || phase === 'Pending') {
    status.phase = `${kind}Scheduled`;
    status.progress = 'N/A';
    status.claimName = claim;
    status.restartCount ??= 0;
    set(cond('Bound', 'False', 'Pending', `PVC ${claim} Pending`));
    set(cond('Ready', 'False'));
    set(cond('Running', 'False'));
    wakeInMs = clone * SCHEDULED_SHARE;
  } else if (phase === `${kind}Scheduled`) {
    const since = Date.parse(getCondition(old.conditions, 'Bound')?.lastTransitionTime ?? '') || now;
    const due = since + clone * SCHEDULED_SHARE;
    if (now < due) wakeInMs = due - now;
    else if (kind === 'Upload') {
      status.phase = 'UploadReady';
      set(cond('Bound', 'True', 'Bound', `PVC ${claim} Bound`));
      set(cond('Running', 'True', 'Pod is running'));
    } else {
      status.phase = `${kind}InProgress`;
      status.progress = '0.00%';
      set(cond('Bound', 'True', 'Bound', `PVC ${claim} Bound`));
      set(cond('Running', 'True'));
      set(cond('Ready', 'False', 'TransferRunning'));
      wakeInMs = (clone * TRANSFER_SHARE) / 4;
    }
  } else if (phase === `${kind}InProgress`) {
    const since = Date.parse(getCondition(old.conditions, 'Running')?.lastTransitionTime ?? '') || now;
    const duration = clone * TRANSFER_SHARE;
    const done = duration > 0 ? (now - since) / duration : 1;
    if (fails && done >= 0.5) {
      status.phase = 'Failed';
      set(
        cond(
          'Running',
          'False',
          'Error',
          `Unable to process data: simulated transfer failure (simulator.kubevdi.io/failure=CloneFails)`,
        ),
      );
      set(cond('Ready', 'False'));
    } else if (done >= 1) {
      status.phase = 'Succeeded';
      status.progress = '100.0%';
      set(cond('Running', 'False', 'Completed'));
      set(cond('Ready', 'True'));
    } else {
      const quarter = Math.floor(done * 4);
      status.progress = `${(quarter * 25).toFixed(2)}%`;
      wakeInMs = since + ((quarter + 1) * duration) / 4 - now;
    }
  }

  if (canonical(status) !== canonical(old)) {
    try {
      const written = await ctx.api.replaceStatus(DATA_VOLUMES, { ...dv, status }, CDI_CONTROLLER);
      ctx.stale.wrote(queueKey.dv(k), dv.metadata.resourceVersion, written.metadata.resourceVersion, () =>
        ctx.queue.add(queueKey.dv(k)),
      );
    } catch (err) {
      if (isConflict(err) || errorCode(err) === 404) {
        ctx.queue.addAfter(queueKey.dv(k), 20);
        return;
      }
      throw err;
    }
    if (status.phase !== old.phase) {
      ctx.log(KIND, k, `phase ${old.phase || '(unset)'} -> ${status.phase} (progress ${status.progress})`);
    } else if (status.progress !== old.progress) {
      ctx.log(KIND, k, `progress ${status.progress}`);
    }
  }
  if (wakeInMs !== undefined) ctx.queue.addAfter(queueKey.dv(k), Math.max(wakeInMs, 1));
}
