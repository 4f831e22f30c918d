// Writes an empty, password-less opensearch.keystore into the config directory given as the argument, as
// `opensearch-keystore create` does in the upstream image: a node finding none writes one at start, which
// a read-only config directory refuses. Run with the assembled lib/ on the class path (single-file source).
import java.nio.file.Path;
import org.opensearch.common.settings.KeyStoreWrapper;

public class CreateKeystore {
    public static void main(String[] args) throws Exception {
        KeyStoreWrapper keystore = KeyStoreWrapper.create();
        keystore.save(Path.of(args[0]), new char[0]);
    }
}
