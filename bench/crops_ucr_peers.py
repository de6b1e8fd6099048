"""The peers a user would pick for crop types on the UCR "Crop" set, on the standard split,
in one run: 1-NN Euclidean and RandomForest(500) (scikit-learn), MiniRocket + ridge (sktime),
a plain PyTorch TempCNN (3 x conv1d 64 k5 + BN + dropout 0.2, dense 256, AdamW, one-cycle
lr 3e-3, batch 64, 60 epochs, z-scored with the training mean/std) and PyTorch TempCNN / LSTM
training throughput on these shapes. Prints one JSON object per line.

usage: python crops_ucr_peers.py <dir with Crop_TRAIN.tsv and Crop_TEST.tsv> [--epochs N] [--skip-minirocket]
       [--only knn,rf,minirocket,torch]
"""
import json, sys, time
import numpy as np

def load(path):
    a = np.loadtxt(path, delimiter="\t", dtype=np.float64)
    return a[:, 1:].astype(np.float32), a[:, 0].astype(np.int64)

def emit(**kw):
    print(json.dumps(kw), flush=True)

def main():
    d = sys.argv[1]
    epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 60
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None

    def want(name):  # --only knn,rf,minirocket,torch runs a subset
        return only is None or name in only
    xtr, ytr = load(f"{d}/Crop_TRAIN.tsv")
    xte, yte = load(f"{d}/Crop_TEST.tsv")
    classes = np.unique(ytr)
    ytr_i, yte_i = np.searchsorted(classes, ytr), np.searchsorted(classes, yte)

    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.ensemble import RandomForestClassifier
    if want("knn"):
        t = time.time(); knn = KNeighborsClassifier(n_neighbors=1).fit(xtr, ytr)
        oa = float((knn.predict(xte) == yte).mean())
        emit(method="1-NN Euclidean (scikit-learn)", oa=oa, fit_predict_s=time.time() - t)
    if want("rf"):
        t = time.time(); rf = RandomForestClassifier(n_estimators=500, n_jobs=-1, random_state=0).fit(xtr, ytr)
        oa = float((rf.predict(xte) == yte).mean())
        emit(method="RandomForest(500) (scikit-learn)", oa=oa, fit_predict_s=time.time() - t)

    if want("minirocket") and "--skip-minirocket" not in sys.argv:
        try:
            from sktime.transformations.panel.rocket import MiniRocket
            from sklearn.linear_model import RidgeClassifierCV
            t = time.time()
            mr = MiniRocket(random_state=0).fit(xtr[:, None, :])
            ftr, fte = mr.transform(xtr[:, None, :]), mr.transform(xte[:, None, :])
            ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(ftr, ytr)
            oa = float((ridge.predict(fte) == yte).mean())
            emit(method="MiniRocket + ridge (sktime)", oa=oa, fit_predict_s=time.time() - t)
        except Exception as e:  # sktime missing or incompatible: say so, keep the others
            emit(method="MiniRocket + ridge (sktime)", error=repr(e))

    if not want("torch"):
        return
    import torch
    from torch import nn
    torch.manual_seed(0)
    mean, std = xtr.mean(), xtr.std()
    Xtr = torch.tensor((xtr - mean) / std)[:, None, :]
    Xte = torch.tensor((xte - mean) / std)[:, None, :]
    Ytr = torch.tensor(ytr_i)
    k, T = len(classes), xtr.shape[1]

    def tempcnn():
        layers, c = [], 1
        for _ in range(3):
            layers += [nn.Conv1d(c, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.2)]
            c = 64
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * T, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, k))

    class Lstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(1, 128, num_layers=2, batch_first=True, dropout=0.2)
            self.head = nn.Linear(128, k)
        def forward(self, x):
            out, _ = self.rnn(x.transpose(1, 2))
            return self.head(out[:, -1])

    def train(model, n_epochs):
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
        steps = (len(Xtr) + 63) // 64
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=n_epochs * steps)
        loss_fn = nn.CrossEntropyLoss()
        t = time.time()
        for _ in range(n_epochs):
            model.train()
            perm = torch.randperm(len(Xtr))
            for i in range(0, len(Xtr), 64):
                idx = perm[i:i + 64]
                if len(idx) < 2:
                    continue
                opt.zero_grad()
                loss_fn(model(Xtr[idx]), Ytr[idx]).backward()
                opt.step(); sched.step()
        return time.time() - t

    def accuracy(model):
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(Xte[i:i + 1024]).argmax(1) for i in range(0, len(Xte), 1024)])
        return float((pred.numpy() == yte_i).mean())

    m = tempcnn()
    secs = train(m, epochs)
    emit(method=f"TempCNN (PyTorch {torch.__version__}, {epochs} epochs)", oa=accuracy(m), fit_predict_s=secs,
         train_samples_per_s=len(Xtr) * epochs / secs, threads=torch.get_num_threads())
    m = Lstm()
    secs = train(m, 2)
    emit(method="LSTM 2x128 (PyTorch) throughput, 2 epochs", train_samples_per_s=len(Xtr) * 2 / secs, threads=torch.get_num_threads())

if __name__ == "__main__":
    main()
